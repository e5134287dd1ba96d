# Kernels that `make lab` starts (IPYTHONDIR points here): changes to src/analysis are picked up
# at the next cell, without restarting the kernel. Papermill runs do not use this profile.
c = get_config()  # noqa: F821
c.InteractiveShellApp.extensions = ["autoreload"]
c.InteractiveShellApp.exec_lines = ["%autoreload 2"]
# keep the checkout clean: no history database in the repository
c.HistoryManager.hist_file = ":memory:"
