"""Running the notebooks: typed notebook parameters, the runner (papermill; process pool or Dask), provenance.
"""
