"""Reference pixel decode for medfed's tests: pydicom + numpy (Debian's python3-pydicom).

Usage: python3 reference-decode.py FILE...  → one JSON object per line:
{"file", "shape", "values" (flattened, samples interleaved)} or {"file", "error"}.
Lossy-JPEG colour is converted from YCbCr to RGB (pydicom's own conversion), as medfed returns RGB.
"""
import json
import sys

import pydicom
from pydicom.pixel_data_handlers.util import convert_color_space

JPEG_LOSSY = {"1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51"}

for path in sys.argv[1:]:
    try:
        ds = pydicom.dcmread(path)
        arr = ds.pixel_array
        # pydicom leaves lossy-JPEG colour in YCbCr; medfed returns RGB, so compare in RGB.
        syntax = str(ds.file_meta.TransferSyntaxUID)
        if syntax in JPEG_LOSSY and str(ds.PhotometricInterpretation).startswith("YBR"):
            arr = convert_color_space(arr, "YBR_FULL", "RGB")
        print(json.dumps({"file": path, "shape": list(arr.shape), "values": arr.ravel().tolist()}))
    except Exception as exc:  # the test reports it
        print(json.dumps({"file": path, "error": f"{type(exc).__name__}: {exc}"}))
