"""The dashboard's pyqtgraph charts. Each reads a DashboardModel on the window's redraw timer."""
