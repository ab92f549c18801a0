#include "ort_cmdline.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// What the constructor found and did. Plain data, zero-initialised before any constructor
// runs (a std::string here could be constructed after ours and wipe what it wrote).
struct cmdline_raw {
    size_t area_bytes;
    long   now_bytes;
    int    moved_args;
    bool   telemetry_disabled;
    char   note[200];
};
cmdline_raw g_raw;

// The heap copy of the argument strings: argv[] points into it for the life of the process.
char * g_moved = nullptr;

void set_note(const char * fmt, long a = 0, long b = 0) {
    std::snprintf(g_raw.note, sizeof(g_raw.note), fmt, a, b);
}

// Reads up to cap - 1 bytes of a procfs file into buf (NUL-terminated); the count, or -1.
long read_small_file(const char * path, char * buf, size_t cap) {
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    size_t got = 0;
    while (got + 1 < cap) {
        const ssize_t n = read(fd, buf + got, cap - 1 - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += (size_t) n;
    }
    close(fd);
    buf[got] = '\0';
    return (long) got;
}

// The kernel's argument area of this process: fields 48 and 49 of /proc/self/stat (arg_start,
// arg_end, Linux 3.5 and later), counted after the ')' that ends the command name.
bool kernel_arg_area(uintptr_t * start, uintptr_t * end) {
    char       buf[4096];
    const long n = read_small_file("/proc/self/stat", buf, sizeof(buf));
    if (n <= 0) {
        return false;
    }
    const char * p = std::strrchr(buf, ')');
    if (!p) {
        return false;
    }
    ++p;
    unsigned long long v[2] = {0, 0};
    for (int field = 3; field <= 49; ++field) {
        while (*p == ' ') {
            ++p;
        }
        if (!*p) {
            return false;
        }
        char * e = nullptr;
        const unsigned long long x = std::strtoull(p, &e, 10);
        if (field >= 48) {
            if (e == p) {
                return false;
            }
            v[field - 48] = x;
        }
        p = e == p ? std::strchr(p, ' ') : e;  // field 3 (state) is a letter
        if (!p) {
            return false;
        }
    }
    *start = (uintptr_t) v[0];
    *end   = (uintptr_t) v[1];
    return v[0] != 0 && v[1] > v[0];
}

// "radz classify --json [+5000 arguments]": the first arguments that fit in about 96 bytes.
void make_title(int argc, char ** argv, char * title, size_t cap) {
    size_t len = 0;
    int    i   = 0;
    for (; i < argc; ++i) {
        const size_t n = std::strlen(argv[i]);
        if (len + (i > 0) + n > 96 && i > 0) {
            break;
        }
        if (i > 0) {
            title[len++] = ' ';
        }
        const size_t take = n < cap - 40 - len ? n : cap - 40 - len;  // argv[0] alone may be long
        std::memcpy(title + len, argv[i], take);
        len += take;
    }
    title[len] = '\0';
    if (i < argc) {
        std::snprintf(title + len, cap - len, " [+%d arguments]", argc - i);
    }
    for (char * c = title; *c; ++c) {
        if (*c == '\n' || *c == '\r') {
            *c = ' ';
        }
    }
}

// Runs before main() (glibc passes argc, argv and envp to .init_array functions).
void ort_cmdline_init(int argc, char ** argv, char ** /*envp*/) {
    // Guard 1: the telemetry off, unless the environment says otherwise.
    if (!std::getenv("ORT_DISABLE_TELEMETRY") && setenv("ORT_DISABLE_TELEMETRY", "1", 0) == 0) {
        g_raw.telemetry_disabled = true;
    }
    if (argc < 1 || !argv || !argv[0]) {
        return;
    }
    // Guard 2. The argument area, as the kernel laid it out: the strings back to back.
    char * const start = argv[0];
    char *       p     = start;
    bool         back_to_back = true;
    for (int i = 0; i < argc && back_to_back; ++i) {
        back_to_back = argv[i] == p;
        p += std::strlen(argv[i]) + 1;
    }
    if (!back_to_back) {
        const long n     = ort_cmdline_read_length();
        g_raw.area_bytes = n > 0 ? (size_t) n : 0;
        set_note("the arguments are not where the kernel put them");
        return;
    }
    const size_t size = (size_t) (p - start);
    g_raw.area_bytes  = size;
    g_raw.now_bytes   = (long) size;
    if (size <= ort_cmdline_limit) {
        return;
    }
    if (const char * keep = std::getenv("RADZ_KEEP_CMDLINE"); keep && *keep && std::strcmp(keep, "0") != 0) {
        set_note("RADZ_KEEP_CMDLINE is set");
        return;
    }
    uintptr_t k_start = 0, k_end = 0;
    if (!kernel_arg_area(&k_start, &k_end)) {
        set_note("/proc/self/stat gives no argument area");
        return;
    }
    if (k_start != (uintptr_t) start || k_end != (uintptr_t) p) {
        set_note("argv is not the kernel's argument area (%ld bytes apart)", (long) (k_start - (uintptr_t) start));
        return;
    }
    g_moved = (char *) std::malloc(size);
    if (!g_moved) {
        set_note("out of memory copying %ld bytes of arguments", (long) size);
        return;
    }
    std::memcpy(g_moved, start, size);
    for (int i = 0; i < argc; ++i) {
        argv[i] = g_moved + (argv[i] - start);
    }
#if defined(__GLIBC__)
    // glibc's names of the program (error(), err(), warn()) point into argv[0].
    if (program_invocation_name >= start && program_invocation_name < p) {
        program_invocation_name = g_moved + (program_invocation_name - start);
    }
    if (program_invocation_short_name >= start && program_invocation_short_name < p) {
        program_invocation_short_name = g_moved + (program_invocation_short_name - start);
    }
#endif
    char title[160];
    make_title(argc, argv, title, sizeof(title));
    const size_t tlen = std::strlen(title);  // < 160 < size
    std::memset(start, 0, size);
    std::memcpy(start, title, tlen);
    start[size - 1] = ' ';  // a last byte that is not NUL: the kernel reads up to the first NUL
    const long now  = ort_cmdline_read_length();
    g_raw.now_bytes = now;
    if (now < 0 || now > (long) ort_cmdline_limit) {
        std::memcpy(start, g_moved, size);  // argv keeps the copies; the area shows them again
        set_note("the kernel still shows %ld bytes after the rewrite", now);
        return;
    }
    g_raw.moved_args = argc;
}

#if defined(__linux__) && defined(__GLIBC__)
__attribute__((section(".init_array"), used)) void (*const ort_cmdline_init_entry)(int, char **, char **) =
    ort_cmdline_init;
#endif

} // namespace

const ort_cmdline_state & ort_cmdline_status() {
    static const ort_cmdline_state s = [] {
        ort_cmdline_state r;
        r.area_bytes         = g_raw.area_bytes;
        r.now_bytes          = g_raw.now_bytes > 0 ? (size_t) g_raw.now_bytes : 0;
        r.moved_args         = g_raw.moved_args;
        r.telemetry_disabled = g_raw.telemetry_disabled;
        r.note               = g_raw.note;
        return r;
    }();
    return s;
}

bool ort_cmdline_telemetry_off(const char * value) {
    if (!value) {
        return false;
    }
    std::string v;
    for (const char * c = value; *c; ++c) {
        v += (char) std::tolower((unsigned char) *c);
    }
    const size_t b = v.find_first_not_of(" \t\n\r");
    const size_t e = v.find_last_not_of(" \t\n\r");
    v              = b == std::string::npos ? "" : v.substr(b, e - b + 1);
    return v == "1" || v == "true" || v == "yes" || v == "y" || v == "on";
}

long ort_cmdline_read_length() {
    const int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    char buf[4096];
    long total = 0;
    for (;;) {
        const ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        total += (long) n;
    }
    close(fd);
    return total;
}

bool ort_cmdline_check(std::string * err) {
    const char * v = std::getenv("ORT_DISABLE_TELEMETRY");
    if (ort_cmdline_telemetry_off(v)) {
        return true;
    }
    const long n = ort_cmdline_read_length();
    if (n <= (long) ort_cmdline_limit) {  // also -1: no procfs, nothing for the library to read
        return true;
    }
    if (err) {
        const std::string & note = ort_cmdline_status().note;
        *err = "the command line is " + std::to_string(n) + " bytes long" + (note.empty() ? "" : " (" + note + ")") +
               " and ORT_DISABLE_TELEMETRY=" + (v ? v : "") +
               " leaves ONNX Runtime 1.30's telemetry on, which overflows the stack parsing it (docs/ort-cmdline.md): "
               "pass the images as a folder, --list FILE or @FILE, or set ORT_DISABLE_TELEMETRY=1";
    }
    return false;
}
