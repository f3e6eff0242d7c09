"""Reads a DICOM SEG back with pydicom for medfed's tests; prints JSON (structure + frames)."""
import json
import sys

import pydicom

ds = pydicom.dcmread(sys.argv[1])
arr = ds.pixel_array.reshape(int(ds.NumberOfFrames), int(ds.Rows), int(ds.Columns))
print(json.dumps({
    "sop_class": ds.SOPClassUID,
    "modality": ds.Modality,
    "segmentation_type": ds.SegmentationType,
    "bits": [ds.BitsAllocated, ds.BitsStored],
    "frames": int(ds.NumberOfFrames),
    "segments": [
        {
            "number": s.SegmentNumber,
            "label": s.SegmentLabel,
            "category": s.SegmentedPropertyCategoryCodeSequence[0].CodeValue,
            "type": s.SegmentedPropertyTypeCodeSequence[0].CodeValue,
            "algorithm_type": s.SegmentAlgorithmType,
        }
        for s in ds.SegmentSequence
    ],
    "sources": [
        f.DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID
        for f in ds.PerFrameFunctionalGroupsSequence
    ],
    "positions": [list(map(float, f.PlanePositionSequence[0].ImagePositionPatient)) for f in ds.PerFrameFunctionalGroupsSequence],
    "frame_sums": [int(x) for x in arr.reshape(arr.shape[0], -1).sum(axis=1)],
    "study": ds.StudyInstanceUID,
    "frame_of_reference": ds.FrameOfReferenceUID,
}))
