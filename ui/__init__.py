"""The browser app: a Gradio face on the ``qa`` library (ask, read, compare, upload, export).

``ui.blocks.build_demo()`` lays out the tabs and wires their handlers; ``ui.server.serve()``
serves them with the REST API (``ui.rest``) on one port, answering REST and showing a
"warming up" page while Gradio itself is still being imported. This package's ``__init__``
imports nothing, so ``app.py`` can start the warm-up before the web stack loads.
"""
