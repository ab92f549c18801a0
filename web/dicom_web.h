// The browser's DICOM reader (web/dicom_web.cpp): the frame parsed and decoded by
// web/page/dicom.js, handed to the core through Module.radzDicom.
#pragma once

#include "dicom.h"
#include "pipeline.h"

#include <string>

// The attributes of the JSON text dicom.js writes (keys as dicom_frame's members) into *f.
bool dicom_web_attributes(const std::string & attrs_json, dicom_frame * f, std::string * err);

// dicom_reader over Module.radzDicom: {error, code} -> that error; else the attributes,
// dicom_check_header, then the samples (or the baseline JPEG bitstream).
bool dicom_web_read(const uint8_t * bytes, size_t size, const image_limits & limits, dicom_frame * frame,
                    std::string * err, std::string * err_code);

// Sets pl.dicom_read to dicom_web_read and keeps the package's limits for dicomCheckHeader.
void dicom_web_use(pipeline & pl);
