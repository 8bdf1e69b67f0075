// Node-Media-Server 2.x origin for the hlsmon lab, configured like the tutorial's app.js.
//
// usage: node launch.js --rtmp-port N --http-port N --mediaroot DIR --ffmpeg PATH
//                       [--app live] [--hls-flags '[hls_time=1:hls_list_size=3:hls_flags=delete_segments]']
//                       [--hls-keep 0|1] [--host 127.0.0.1]
// Every option can also come from the environment: NMS_RTMP_PORT, NMS_HTTP_PORT, NMS_MEDIAROOT, NMS_FFMPEG,
// NMS_APP, NMS_HLS_FLAGS, NMS_HLS_KEEP, NMS_HOST.
//
// NMS 2.x calls listen(port) without a host, i.e. on every interface. The lab must stay on loopback, so
// net.Server.prototype.listen is wrapped to add the host when only a port is given.
'use strict';

const net = require('net');
const path = require('path');

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 1) {
    const key = argv[i];
    if (!key.startsWith('--')) throw new Error(`unexpected argument ${key}`);
    out[key.slice(2)] = argv[i + 1];
    i += 1;
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const opt = (name, envName, fallback) => {
  if (args[name] !== undefined) return args[name];
  if (process.env[envName] !== undefined) return process.env[envName];
  if (fallback === undefined) throw new Error(`missing --${name} (or ${envName})`);
  return fallback;
};

const host = opt('host', 'NMS_HOST', '127.0.0.1');
const rtmpPort = Number(opt('rtmp-port', 'NMS_RTMP_PORT'));
const httpPort = Number(opt('http-port', 'NMS_HTTP_PORT'));
const mediaroot = path.resolve(opt('mediaroot', 'NMS_MEDIAROOT'));
const ffmpeg = opt('ffmpeg', 'NMS_FFMPEG', '/usr/bin/ffmpeg');
const app = opt('app', 'NMS_APP', 'live');
const hlsFlags = opt('hls-flags', 'NMS_HLS_FLAGS', '[hls_time=1:hls_list_size=3:hls_flags=delete_segments]');
const hlsKeep = ['1', 'true', 'yes'].includes(String(opt('hls-keep', 'NMS_HLS_KEEP', '0')).toLowerCase());

const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnHost(...listenArgs) {
  if (typeof listenArgs[0] === 'number' && typeof listenArgs[1] !== 'string') {
    listenArgs.splice(1, 0, host);
  }
  return originalListen.apply(this, listenArgs);
};

process.on('unhandledRejection', (err) => {
  // NMS 2.7.x logs an undefined `version` after starting the trans server; harmless.
  console.error('unhandledRejection (ignored):', err && err.message ? err.message : err);
});
process.on('SIGTERM', () => process.exit(0));

const NodeMediaServer = require('node-media-server');

const config = {
  logType: 3,
  rtmp: { port: rtmpPort, chunk_size: 4096, gop_cache: true, ping: 30, ping_timeout: 60 },
  http: { port: httpPort, mediaroot, allow_origin: '*', api: true },
  trans: {
    ffmpeg,
    tasks: [{ app, hls: true, hlsFlags, hlsKeep }],
  },
};

console.log(`hlsmon-nms: rtmp ${host}:${rtmpPort} http ${host}:${httpPort} mediaroot ${mediaroot}`);
console.log(`hlsmon-nms: task ${JSON.stringify(config.trans.tasks[0])}`);
new NodeMediaServer(config).run();
