"""Camera simulator: generated portrait scenes and a ``VideoCapture`` stand-in."""
