// Keeps ONNX Runtime 1.30 from crashing on a long command line (docs/ort-cmdline.md).
//
// The 1.30 library of onnxruntime-node starts its telemetry (Microsoft's 1DS C++ SDK, built in)
// when the first OrtEnv is created. The SDK reads /proc/self/cmdline and searches it with the
// std::regex "(.*)[ ]*.*[\n]*"; libstdc++'s matcher recurses about three frames per character,
// so a command line of more than about 29,000 bytes overflows the default 8 MiB stack
// (SIGSEGV inside CreateEnv: "radz classify folder/*.png" on any real folder).
//
// Two guards, both set up before main() in every program that links the backend loader (a
// constructor in ort_cmdline.cpp; glibc passes it argc and argv):
//   1. ORT_DISABLE_TELEMETRY=1 is put in the environment unless it already has that variable:
//      the library then neither starts its telemetry nor reads the command line.
//   2. When the argument area is longer than ort_cmdline_limit bytes, the argument strings are
//      copied to the heap and argv[] is pointed at the copies (the program sees the same
//      arguments), and the area is rewritten setproctitle-style to a short title, e.g.
//      "radz classify --json [+5000 arguments]", so /proc/self/cmdline reads short whatever
//      the length. Linux returns the area up to its first NUL when its last byte is not NUL;
//      the title is read back to check it.
// ort_cmdline_check(), called by the loader before dlopen, refuses with an error (never a
// crash) when neither guard holds.
//
// RADZ_KEEP_CMDLINE=1 in the environment turns guard 2 off (tests, and reproducing the
// upstream bug with ORT_DISABLE_TELEMETRY=0).
#pragma once

#include <cstddef>
#include <string>

// Longest command line left as it is: the regex needs about 290 bytes of stack per byte, so
// 1 KiB needs about 300 KB, which any thread has.
constexpr size_t ort_cmdline_limit = 1024;

// What the guards found and did at start.
struct ort_cmdline_state {
    size_t      area_bytes         = 0;     // the argument area (the command line) at start
    size_t      now_bytes          = 0;     // /proc/self/cmdline's length after guard 2 (read back)
    int         moved_args         = 0;     // arguments moved to the heap (0: not needed or not possible)
    bool        telemetry_disabled = false; // guard 1 set ORT_DISABLE_TELEMETRY=1
    std::string note;                       // why a long area was left as it is
};

// The state of the guards (filled before main(); all zero where the constructor did not run).
const ort_cmdline_state & ort_cmdline_status();

// Whether ORT_DISABLE_TELEMETRY's value turns the 1.30 library's telemetry off. Measured: 1,
// true, yes, y and on, any case, surrounding blanks ignored; anything else (0, false, 2, t,
// empty) leaves it on.
bool ort_cmdline_telemetry_off(const char * value);

// True when loading ONNX Runtime is safe: /proc/self/cmdline is at most ort_cmdline_limit
// bytes, or ORT_DISABLE_TELEMETRY turns the telemetry off. Else false and a one-line error
// giving the length and the ways out (a folder, --list FILE, @FILE, ORT_DISABLE_TELEMETRY=1).
bool ort_cmdline_check(std::string * err);

// The length of /proc/self/cmdline in bytes, read as the library reads it; -1 if unreadable.
long ort_cmdline_read_length();
