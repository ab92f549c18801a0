// The native DICOM reader (core/dicom.h's dicom_reader) on GDCM 3 (Debian's libgdcm-dev):
// parses the Part 10 file from memory, fills the attributes the core's rules use, checks them
// with dicom_check_header before any pixel data is decoded, then decodes the first frame with
// GDCM's codecs (uncompressed, deflate, RLE, JPEG lossless, JPEG-LS, JPEG 2000). Baseline JPEG
// frames are not decoded here: their bitstream goes to the core's own decoder. GDCM's own
// warnings are silenced; failures are one line ("cannot parse the DICOM file (truncated or
// corrupt)", "no pixel data (7FE0,0010)", "JPEG 2000: the codec refused the pixel data").
// The value lengths are checked first (dicom_lengths.h), then GDCM runs in a child process
// (fork): Debian's GDCM asserts (aborts) on some corrupt files, and a child that dies or runs
// past 60 s is one refused file ("the DICOM reader (GDCM) failed on this file (signal 6)"),
// never the end of the CLI or the app.
#pragma once

#include "dicom.h"

bool dicom_gdcm_read(const uint8_t * bytes, size_t size, const image_limits & limits, dicom_frame * frame,
                     std::string * err, std::string * err_code);
