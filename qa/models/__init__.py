"""Model files the product ships beside the bundled encoder: where they are, their sha256
checked before use, and an ONNX session to run them. No torch here: ``training/`` is the only
place that imports torch to fit a model."""
