#!/usr/bin/python3
"""Builds the DICOM test files of tests/data/dicom/ from the shared images, and their expected
grey images by a second route (issue 17).

    /usr/bin/python3 scripts/make_dicom_testdata.py [--data ../shared/data] [--out tests/data/dicom]

Needs Debian's python3-pydicom, python3-pil, python3-numpy, dcmtk (img2dcm, dcmconv, dcmcjpeg,
dcmcjpls, dcmcrle, dcmdjpeg, dcmdjpls, dcmdrle) and libgdcm-tools (gdcmconv): scripts/setup.sh
installs them. Every file is written deterministically (fixed UIDs and dates), so a rerun gives
the same bytes.

Sources: a 64x64 chest X-ray of ../shared/data/nih1000 (PNG) and a 224x224 brain MRI of
../shared/data/brain_mri (JPEG, 4:2:0).

Expected pixels (expected/NAME.png, 8-bit grey, the frame's full size) come from an independent
route: every compressed file is first decompressed by DCMTK or GDCM's command-line tools
(dcmdjpeg, dcmdjpls, dcmdrle, dcmconv, gdcmconv --raw) and read by pydicom; the stored values
then go through the rules of docs/model-package.md section 2 step 0 written here in numpy.
Baseline JPEG frames are decoded by PIL (libjpeg-turbo, the recipe's decoder). For the lossless
files the script also checks that the expected image is the source image's grey (PIL "L").

expected.json lists, per file, the expected modality (package id chosen from the tags, or the
error), the VOI rule and whether it must equal its source image; bad files list the error text.
"""

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from PIL import Image

CXR_SOURCE = "nih1000/images/00000001_000.png"
MRI_SOURCE = "brain_mri/images/glioma/Tr-glTr_0000.jpg"
SC_CLASS = "1.2.840.10008.5.1.4.1.1.7"  # Secondary Capture Image Storage
UID_ROOT = "1.2.826.0.1.3680043.10.1017."  # fixed UIDs: the same bytes on every run


def run(*cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"make_dicom_testdata: {' '.join(cmd)} failed: {r.stderr.strip() or r.stdout.strip()}")


def new_dataset(modality, body_part, rows, cols, ts=ExplicitVRLittleEndian, n=1):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SC_CLASS
    meta.MediaStorageSOPInstanceUID = UID_ROOT + str(n)
    meta.TransferSyntaxUID = ts
    meta.ImplementationClassUID = UID_ROOT + "0"
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian = True
    ds.is_implicit_VR = ts == ImplicitVRLittleEndian
    ds.SOPClassUID = SC_CLASS
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = UID_ROOT + "100." + str(n)
    ds.SeriesInstanceUID = UID_ROOT + "200." + str(n)
    ds.StudyDate = "20260101"
    ds.Modality = modality
    if body_part:
        ds.BodyPartExamined = body_part
    # A made-up patient: the tests check that no front end writes or shows it.
    ds.PatientName = "RADZ^PRIVATE^NAME"
    ds.PatientID = "RADZ-PRIVATE-ID-0001"
    ds.Rows = rows
    ds.Columns = cols
    return ds


def set_pixels(ds, arr, photometric="MONOCHROME2", bits_stored=None, signed=False, planar=0):
    arr = np.ascontiguousarray(arr)
    spp = 3 if arr.ndim == 3 and arr.shape[-1] == 3 else 1
    bits = arr.dtype.itemsize * 8
    ds.SamplesPerPixel = spp
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = bits
    ds.BitsStored = bits_stored or bits
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = 1 if signed else 0
    if spp == 3:
        ds.PlanarConfiguration = planar
        if planar:
            arr = np.ascontiguousarray(arr.transpose(2, 0, 1))
    ds.PixelData = arr.astype(arr.dtype.newbyteorder("<")).tobytes()


def save(ds, path):
    ds.save_as(path, write_like_original=False)


def fix_uids(path, n):
    ds = pydicom.dcmread(path)
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = UID_ROOT + str(n)
    save(ds, path)


def grey_of(path):
    return np.asarray(Image.open(path).convert("L"))


# ---- the rules of section 2 step 0, in numpy (the second route) --------------------------

def first_number(v):
    if isinstance(v, pydicom.multival.MultiValue):
        v = v[0]
    return float(v)


def rules(ds):
    """Grey uint8 image of the first frame of a decompressed (native) dataset."""
    arr = ds.pixel_array
    frames = int(getattr(ds, "NumberOfFrames", 1) or 1)
    if frames > 1:
        arr = arr[0]
    if ds.SamplesPerPixel == 3:
        r, g, b = (arr[..., k].astype(np.int64) for k in range(3))
        return ((19595 * r + 38470 * g + 7471 * b + 32768) >> 16).astype(np.uint8), "colour"
    bs = int(ds.BitsStored)
    x = arr.astype(np.int64)
    # pydicom already masks to Bits Stored and sign-extends when PixelRepresentation is 1.
    slope = float(getattr(ds, "RescaleSlope", 1) or 1)
    intercept = float(getattr(ds, "RescaleIntercept", 0) or 0)
    m = x.astype(np.float64) * slope + intercept
    if "VOILUTSequence" in ds:
        item = ds.VOILUTSequence[0]
        n, first, lbits = [int(v) for v in item.LUTDescriptor]
        n = n or 65536
        lut = np.frombuffer(item.LUTData if isinstance(item.LUTData, bytes) else
                            np.asarray(item.LUTData, dtype="<u2").tobytes(), dtype="<u2")[:n]
        idx = np.clip(np.floor(m) - first, 0, n - 1).astype(np.int64)
        y = lut[idx].astype(np.float64) * 255.0 / float((1 << lbits) - 1)
        voi = "lut"
    else:
        if "WindowCenter" in ds:
            c, w = first_number(ds.WindowCenter), first_number(ds.WindowWidth)
            voi = "window"
        else:
            signed = int(ds.PixelRepresentation) == 1
            lo = -(1 << (bs - 1)) if signed else 0
            hi = (1 << (bs - 1)) - 1 if signed else (1 << bs) - 1
            a, b = lo * slope + intercept, hi * slope + intercept
            a, b = min(a, b), max(a, b)
            c, w = (a + b + 1.0) / 2.0, b - a + 1.0
            voi = "default"
        below, above = c - 0.5 - (w - 1.0) / 2.0, c - 0.5 + (w - 1.0) / 2.0
        with np.errstate(divide="ignore", invalid="ignore"):
            mid = ((m - (c - 0.5)) / (w - 1.0) + 0.5) * 255.0
        y = np.where(m <= below, 0.0, np.where(m > above, 255.0, mid))
    g = np.clip(np.floor(y + 0.5), 0, 255).astype(np.uint8)
    if ds.PhotometricInterpretation == "MONOCHROME1":
        g = 255 - g
    return g, voi


def decompress(path, ts_kind, tmp):
    """The file as explicit VR little endian, decompressed by DCMTK or GDCM."""
    out = os.path.join(tmp, "raw_" + os.path.basename(path))
    tool = {"jpeg": ["dcmdjpeg"], "jpegls": ["dcmdjpls"], "rle": ["dcmdrle"], "j2k": ["gdcmconv", "--raw"],
            "native": ["dcmconv", "+te"], "deflate": ["dcmconv", "+te"]}[ts_kind]
    if tool[0] == "gdcmconv":
        run(*tool, path, out)
    else:
        run(*tool, path, out)
    return pydicom.dcmread(out)


def jpeg_baseline_grey(path):
    ds = pydicom.dcmread(path)
    frames = pydicom.encaps.generate_pixel_data_frame(ds.PixelData, int(getattr(ds, "NumberOfFrames", 1) or 1))
    jpeg = next(frames)
    im = Image.open(io.BytesIO(jpeg))
    return np.asarray(im.convert("L")), "default" if im.mode == "L" else "colour"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap.add_argument("--data", default=os.path.join(repo, "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(repo, "tests", "data", "dicom"))
    a = ap.parse_args()
    for tool in ("img2dcm", "dcmconv", "dcmcjpeg", "dcmcjpls", "dcmcrle", "dcmdjpeg", "dcmdjpls", "dcmdrle", "gdcmconv"):
        if not shutil.which(tool):
            sys.exit(f"make_dicom_testdata: {tool} not found (scripts/setup.sh installs dcmtk and libgdcm-tools)")
    cxr_png = os.path.join(a.data, CXR_SOURCE)
    mri_jpg = os.path.join(a.data, MRI_SOURCE)
    out = a.out
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(os.path.join(out, "expected"))
    cxr = grey_of(cxr_png)  # 64x64
    rgb = np.asarray(Image.open(cxr_png).convert("RGB"))
    rows, cols = cxr.shape
    cases = {}
    p = lambda name: os.path.join(out, name)  # noqa: E731

    # 8-bit MONOCHROME2 CR chest, explicit VR little endian: the base of the compressed ones.
    ds = new_dataset("CR", "CHEST", rows, cols, n=1)
    set_pixels(ds, cxr)
    save(ds, p("cxr_explicit.dcm"))
    cases["cxr_explicit.dcm"] = dict(kind="native", lossless=True, modality="cxr")

    ds = new_dataset("CR", "CHEST", rows, cols, ts=ImplicitVRLittleEndian, n=2)
    set_pixels(ds, cxr)
    save(ds, p("cxr_implicit"))  # no extension: recognised by the preamble
    cases["cxr_implicit"] = dict(kind="native", lossless=True, modality="cxr")

    with tempfile.TemporaryDirectory() as tmp:
        base = p("cxr_explicit.dcm")
        run("dcmconv", "+td", base, p("cxr_deflate.dcm"))
        cases["cxr_deflate.dcm"] = dict(kind="deflate", lossless=True, modality="cxr")
        run("dcmcrle", base, p("cxr_rle.dcm"))
        cases["cxr_rle.dcm"] = dict(kind="rle", lossless=True, modality="cxr")
        run("dcmcjpeg", "+e1", base, p("cxr_jpeg_lossless_sv1.dcm"))  # 1.2.840.10008.1.2.4.70
        cases["cxr_jpeg_lossless_sv1.dcm"] = dict(kind="jpeg", lossless=True, modality="cxr")
        run("dcmcjpeg", "+el", base, p("cxr_jpeg_lossless.dcm"))  # 1.2.840.10008.1.2.4.57
        cases["cxr_jpeg_lossless.dcm"] = dict(kind="jpeg", lossless=True, modality="cxr")
        run("dcmcjpls", "+el", base, p("cxr_jpegls.dcm"))  # 1.2.840.10008.1.2.4.80
        cases["cxr_jpegls.dcm"] = dict(kind="jpegls", lossless=True, modality="cxr")
        run("dcmcjpls", "+un", "+en", "+md", "2", base, p("cxr_jpegls_near.dcm"))  # 1.2.840.10008.1.2.4.81
        cases["cxr_jpegls_near.dcm"] = dict(kind="jpegls", lossless=False, modality="cxr")
        run("gdcmconv", "--j2k", base, p("cxr_j2k.dcm"))  # 1.2.840.10008.1.2.4.90
        cases["cxr_j2k.dcm"] = dict(kind="j2k", lossless=True, modality="cxr")
        run("gdcmconv", "--j2k", "--lossy", "--irreversible", "-q", "30", base, p("cxr_j2k_lossy.dcm"))  # 1.2.840.10008.1.2.4.91
        fix_uids(p("cxr_j2k_lossy.dcm"), 8)  # GDCM gives a lossy file a new (random) instance UID
        cases["cxr_j2k_lossy.dcm"] = dict(kind="j2k", lossless=False, modality="cxr")
        run("dcmcjpeg", "+un", "+eb", "+q", "90", base, p("cxr_jpeg_baseline.dcm"))  # 1.2.840.10008.1.2.4.50
        cases["cxr_jpeg_baseline.dcm"] = dict(kind="baseline", lossless=False, modality="cxr")

        # A brain MRI JPEG wrapped as it is (no recompression): the same pixels as the JPEG.
        run("img2dcm", "-k", "Modality=MR", "-k", "BodyPartExamined=HEAD", "-k", "PatientName=RADZ^PRIVATE^NAME",
            "-k", "PatientID=RADZ-PRIVATE-ID-0001", "-k", "StudyDate=20260101", "-k", "ContentDate=20260101",
            "-k", "InstanceCreationDate=20260101", "-k", "InstanceCreationTime=000000",
            "-k", "StudyInstanceUID=" + UID_ROOT + "100.9", "-k", "SeriesInstanceUID=" + UID_ROOT + "200.9",
            "-k", "SOPInstanceUID=" + UID_ROOT + "9", mri_jpg, p("mri_jpeg_baseline.dcm"))
        cases["mri_jpeg_baseline.dcm"] = dict(kind="baseline", lossless=True, modality="mri", source=MRI_SOURCE)

        # 16-bit, 12 bits stored, DX chest with a window.
        ds = new_dataset("DX", "CHEST", rows, cols, n=10)
        set_pixels(ds, (cxr.astype(np.uint16) * 16 + 5), bits_stored=12)
        ds.WindowCenter = "1800"
        ds.WindowWidth = "2600"
        save(ds, p("dx16_window.dcm"))
        cases["dx16_window.dcm"] = dict(kind="native", lossless=False, modality="cxr", voi="window")

        # 16-bit signed, rescaled, two windows (the first is used), no body part.
        ds = new_dataset("DX", "", rows, cols, n=11)
        set_pixels(ds, (cxr.astype(np.int16) * 8 - 900), signed=True)
        ds.RescaleSlope = "0.5"
        ds.RescaleIntercept = "100"
        ds.WindowCenter = ["0", "300"]
        ds.WindowWidth = ["700", "100"]
        save(ds, p("dx_signed_rescale.dcm"))
        cases["dx_signed_rescale.dcm"] = dict(kind="native", lossless=False, modality="cxr", voi="window")

        # 12 bits stored, no window: the default window (whole stored range).
        ds = new_dataset("CR", "CHEST", rows, cols, n=12)
        set_pixels(ds, (cxr.astype(np.uint16) * 16 + 3), bits_stored=12)
        save(ds, p("cr12_default.dcm"))
        cases["cr12_default.dcm"] = dict(kind="native", lossless=False, modality="cxr", voi="default")

        # MONOCHROME1 (stored inverted): the same grey as the source.
        ds = new_dataset("CR", "CHEST", rows, cols, n=13)
        set_pixels(ds, 255 - cxr, photometric="MONOCHROME1")
        save(ds, p("cr_monochrome1.dcm"))
        cases["cr_monochrome1.dcm"] = dict(kind="native", lossless=True, modality="cxr", voi="default")

        # A VOI LUT (a gamma curve, 16-bit entries) on 10-bit data.
        ds = new_dataset("DX", "CHEST", rows, cols, n=14)
        set_pixels(ds, cxr.astype(np.uint16) * 4, bits_stored=10)
        item = Dataset()
        lut = np.round(65535.0 * (np.arange(1024) / 1023.0) ** 0.7).astype("<u2")
        item.add_new(0x00283002, "US", [1024, 0, 16])
        item.add_new(0x00283006, "OW", lut.tobytes())
        ds.VOILUTSequence = Sequence([item])
        ds.WindowCenter = "10"  # ignored: the VOI LUT comes first
        ds.WindowWidth = "20"
        save(ds, p("dx_voi_lut.dcm"))
        cases["dx_voi_lut.dcm"] = dict(kind="native", lossless=False, modality="cxr", voi="lut")

        # Two frames: the first (the image) is classified, the second (inverted) is not.
        ds = new_dataset("CR", "CHEST", rows, cols, n=15)
        set_pixels(ds, np.stack([cxr, 255 - cxr]))
        ds.Rows, ds.Columns = rows, cols
        ds.NumberOfFrames = 2
        save(ds, p("cr_multiframe.dcm"))
        cases["cr_multiframe.dcm"] = dict(kind="native", lossless=True, modality="cxr")

        # RGB, planar configuration 1, MR without body part.
        ds = new_dataset("MR", "", rows, cols, n=16)
        set_pixels(ds, rgb, photometric="RGB", planar=1)
        save(ds, p("mr_rgb_planar.dcm"))
        cases["mr_rgb_planar.dcm"] = dict(kind="native", lossless=True, modality="mri", voi="colour")

        # RLE of 16-bit grey (two segments a frame) and of RGB (three), planar configuration 0
        # and 1 (the browser's decoder takes each of the three layouts its own way).
        run("dcmcrle", p("dx16_window.dcm"), p("dx16_window_rle.dcm"))
        cases["dx16_window_rle.dcm"] = dict(kind="rle", lossless=False, modality="cxr", voi="window")
        run("dcmcrle", p("mr_rgb_planar.dcm"), p("mr_rgb_planar_rle.dcm"))
        cases["mr_rgb_planar_rle.dcm"] = dict(kind="rle", lossless=True, modality="mri", voi="colour")
        ds = new_dataset("MR", "", rows, cols, n=19)
        set_pixels(ds, rgb, photometric="RGB", planar=0)
        save(ds, os.path.join(tmp, "mr_rgb_interleaved.dcm"))
        run("dcmcrle", os.path.join(tmp, "mr_rgb_interleaved.dcm"), p("mr_rgb_rle.dcm"))
        cases["mr_rgb_rle.dcm"] = dict(kind="rle", lossless=True, modality="mri", voi="colour")

        # Tags the package does not cover.
        ds = new_dataset("CT", "CHEST", rows, cols, n=17)
        set_pixels(ds, cxr)
        save(ds, p("ct_chest.dcm"))
        cases["ct_chest.dcm"] = dict(kind="native", lossless=True,
                                     modality_error="modality CT is not covered by this package (cxr, mri)")
        ds = new_dataset("DX", "HAND", rows, cols, n=18)
        set_pixels(ds, cxr)
        save(ds, p("dx_hand.dcm"))
        cases["dx_hand.dcm"] = dict(kind="native", lossless=True,
                                    modality_error="DX of body part HAND is not covered by this package (cxr: chest)")

        # Expected grey images by the second route.
        for name, c in cases.items():
            path = p(name)
            if c["kind"] == "baseline":
                g, voi = jpeg_baseline_grey(path)
            else:
                g, voi = rules(decompress(path, c["kind"], tmp))
            c.setdefault("voi", voi)
            if c["voi"] != voi:
                sys.exit(f"make_dicom_testdata: {name}: rule {voi}, expected {c['voi']}")
            if c["lossless"]:
                src = grey_of(os.path.join(a.data, c.get("source", CXR_SOURCE)))
                if not np.array_equal(g, src):
                    sys.exit(f"make_dicom_testdata: {name}: lossless, yet differs from its source in "
                             f"{int((g != src).sum())} pixels")
            Image.fromarray(g, "L").save(p(os.path.join("expected", name.replace(".dcm", "") + ".png")), optimize=True)
            if not c["lossless"]:
                c["max_diff_from_source"] = int(np.abs(g.astype(int) - cxr.astype(int)).max()) \
                    if g.shape == cxr.shape else None
            c["transfer_syntax"] = str(pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID)

    # Bad files: each one line of error, naming the file.
    raw = open(p("cxr_explicit.dcm"), "rb").read()
    bad = {}
    open(p("bad_truncated.dcm"), "wb").write(raw[: len(raw) // 2])
    bad["bad_truncated.dcm"] = "decode"

    ds = pydicom.dcmread(p("cxr_rle.dcm"))
    ds.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2.4.100"  # MPEG2: neither build reads it
    save(ds, p("bad_unknown_syntax.dcm"))
    bad["bad_unknown_syntax.dcm"] = "decode"

    ds = pydicom.dcmread(p("cxr_j2k.dcm"))
    j2k = bytearray(next(pydicom.encaps.generate_pixel_data_frame(ds.PixelData, 1)))
    j2k[len(j2k) // 3:] = bytes(len(j2k) - len(j2k) // 3)  # the codestream's tail zeroed
    ds.PixelData = pydicom.encaps.encapsulate([bytes(j2k)])
    save(ds, p("bad_corrupt_j2k.dcm"))
    bad["bad_corrupt_j2k.dcm"] = "decode"

    ds = pydicom.dcmread(p("cxr_rle.dcm"))
    rle = bytearray(next(pydicom.encaps.generate_pixel_data_frame(ds.PixelData, 1)))
    rle[len(rle) // 3:] = bytes(len(rle) - len(rle) // 3)  # the segment's tail zeroed: it decodes short
    ds.PixelData = pydicom.encaps.encapsulate([bytes(rle)])
    save(ds, p("bad_corrupt_rle.dcm"))
    bad["bad_corrupt_rle.dcm"] = "decode"

    ds = pydicom.dcmread(p("cxr_jpeg_baseline.dcm"))
    jpeg = next(pydicom.encaps.generate_pixel_data_frame(ds.PixelData, 1))
    ds.PixelData = pydicom.encaps.encapsulate([jpeg[: len(jpeg) // 2]])
    save(ds, p("bad_truncated_jpeg.dcm"))
    bad["bad_truncated_jpeg.dcm"] = "decode"

    ds = new_dataset("CR", "CHEST", 60000, 60000, n=30)
    set_pixels(ds, np.zeros((4, 4), np.uint8))
    save(ds, p("bad_huge_frame.dcm"))
    bad["bad_huge_frame.dcm"] = "limits"

    ds = new_dataset("CR", "CHEST", rows, cols, n=31)
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.BitsAllocated, ds.BitsStored = 1, "MONOCHROME2", 8, 8
    ds.HighBit, ds.PixelRepresentation = 7, 0
    save(ds, p("bad_no_pixel_data.dcm"))
    bad["bad_no_pixel_data.dcm"] = "decode"

    with open(p("expected.json"), "w") as f:
        json.dump({"comment": "written by scripts/make_dicom_testdata.py; error messages are checked by "
                              "tests/test_dicom_files.cpp",
                   "sources": {"cxr": CXR_SOURCE, "mri": MRI_SOURCE},
                   "files": cases, "bad": bad}, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(dp, fn)) for dp, _, fns in os.walk(out) for fn in fns)
    print(f"make_dicom_testdata: {len(cases)} files, {len(bad)} bad ones, {total} bytes in {out}")


if __name__ == "__main__":
    main()
