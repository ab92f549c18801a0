// The value lengths of a DICOM Part 10 file, checked before GDCM reads it (native/dicom_gdcm.cpp).
// GDCM allocates each element's value at the length the file declares before reading it, so an
// 11 KB file declaring a 4 GiB element makes it allocate (and zero) 4 GiB before it finds the
// file too short (found by the dicom fuzz target). This walks the element headers the way GDCM
// will read them -- the file meta group (explicit VR little endian), then the data set in its
// transfer syntax (implicit or explicit VR little endian; a deflated data set is inflated first,
// at most max_file_bytes + max_decoded_bytes) through sequences, items and encapsulated pixel
// data -- and refuses a defined length larger than the bytes left, a structure it cannot follow
// (an item where an element belongs, a fragment or sequence without its end, ...: GDCM's
// lenient re-reads of such files end in its own assertions, an abort, in Debian's build), a
// sequence nesting deeper than 32 levels, and a transfer syntax RadZ does not read.
#pragma once

#include "image.h"

#include <cstddef>
#include <cstdint>
#include <string>

// True when the file's lengths are within its bytes; else false with a one-line error (no file
// name) and its code ("decode", or "limits" for a deflated data set inflating past the bound).
// One exception: a file cut inside its pixel data (the data set's last element, not deflated)
// passes, with *pixel_length_at the offset of that element's 4-byte length and *pixel_bytes
// the bytes of its value the file holds: the length the caller must give GDCM instead.
bool dicom_check_lengths(const uint8_t * bytes, size_t size, const image_limits & limits, size_t * pixel_length_at,
                         uint32_t * pixel_bytes, std::string * err, std::string * err_code);
