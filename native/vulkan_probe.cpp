#include "vulkan_probe.h"

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

// The few Vulkan 1.0 declarations needed, written out so that no Vulkan headers are required.
namespace {

struct vk_application_info {
    uint32_t     s_type; // VK_STRUCTURE_TYPE_APPLICATION_INFO = 0
    const void * next;
    const char * application_name;
    uint32_t     application_version;
    const char * engine_name;
    uint32_t     engine_version;
    uint32_t     api_version;
};

struct vk_instance_create_info {
    uint32_t                    s_type; // VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO = 1
    const void *                next;
    uint32_t                    flags;
    const vk_application_info * application_info;
    uint32_t                    enabled_layer_count;
    const char * const *        enabled_layer_names;
    uint32_t                    enabled_extension_count;
    const char * const *        enabled_extension_names;
};

// The head of VkPhysicalDeviceProperties; the whole struct (824 bytes) is written into a
// larger buffer.
struct vk_physical_device_properties_head {
    uint32_t api_version;
    uint32_t driver_version;
    uint32_t vendor_id;
    uint32_t device_id;
    int32_t  device_type;
    char     device_name[256];
};

using vk_instance        = void *;
using vk_physical_device = void *;
using fn_create_instance = int32_t (*)(const vk_instance_create_info *, const void *, vk_instance *);
using fn_destroy_instance = void (*)(vk_instance, const void *);
using fn_enumerate_physical_devices = int32_t (*)(vk_instance, uint32_t *, vk_physical_device *);
using fn_get_physical_device_properties = void (*)(vk_physical_device, void *);

const char * device_type_name(int32_t t) {
    switch (t) {
        case 1: return "integrated";
        case 2: return "discrete";
        case 3: return "virtual";
        case 4: return "cpu";
        default: return "other";
    }
}

void * open_loader(std::string * path, std::string * tried) {
    std::vector<std::string> candidates;
    if (const char * env = std::getenv("RADZ_VULKAN_LIB"); env && *env) {
        candidates.push_back(env);
    } else {
        candidates.push_back("libvulkan.so.1");
        candidates.push_back("/usr/lib/chromium/libvulkan.so.1");
    }
    for (const auto & c : candidates) {
        // RTLD_GLOBAL: Dawn later dlopens "libvulkan.so.1" and must get this same loader.
        void * h = dlopen(c.c_str(), RTLD_NOW | RTLD_GLOBAL);
        if (h) {
            *path = c;
            return h;
        }
        *tried += (tried->empty() ? "" : ", ") + c;
    }
    return nullptr;
}

} // namespace

bool vulkan_list_devices(std::vector<vulkan_device> * devices, std::string * loader, std::string * err) {
    devices->clear();
    // The loader stays loaded for the life of the process (Dawn uses it too).
    static std::string s_path;
    static std::string s_tried;
    static void *      s_handle = open_loader(&s_path, &s_tried);
    if (!s_handle) {
        if (err) {
            *err = "no Vulkan loader (tried " + s_tried + ")";
        }
        return false;
    }
    if (loader) {
        *loader = s_path;
    }
    auto create  = (fn_create_instance) dlsym(s_handle, "vkCreateInstance");
    auto destroy = (fn_destroy_instance) dlsym(s_handle, "vkDestroyInstance");
    auto enumerate = (fn_enumerate_physical_devices) dlsym(s_handle, "vkEnumeratePhysicalDevices");
    auto props_fn  = (fn_get_physical_device_properties) dlsym(s_handle, "vkGetPhysicalDeviceProperties");
    if (!create || !destroy || !enumerate || !props_fn) {
        if (err) {
            *err = s_path + ": not a Vulkan loader (missing vkCreateInstance)";
        }
        return false;
    }

    vk_application_info app = {};
    app.s_type           = 0;
    app.application_name = "radz";
    app.api_version      = (1u << 22); // VK_API_VERSION_1_0
    vk_instance_create_info info = {};
    info.s_type           = 1;
    info.application_info = &app;

    vk_instance instance = nullptr;
    const int32_t rc = create(&info, nullptr, &instance);
    if (rc != 0 || !instance) {
        if (err) {
            // VK_ERROR_INCOMPATIBLE_DRIVER (-9): no installable client driver found.
            *err = rc == -9 ? "no Vulkan driver (no ICD found; VK_ICD_FILENAMES may name one)"
                            : "vkCreateInstance failed (VkResult " + std::to_string(rc) + ")";
        }
        return false;
    }
    uint32_t n = 0;
    enumerate(instance, &n, nullptr);
    std::vector<vk_physical_device> phys(n);
    if (n > 0) {
        enumerate(instance, &n, phys.data());
    }
    for (uint32_t i = 0; i < n; ++i) {
        alignas(8) unsigned char buf[4096] = {};
        props_fn(phys[i], buf);
        vk_physical_device_properties_head head;
        std::memcpy(&head, buf, sizeof(head));
        head.device_name[sizeof(head.device_name) - 1] = '\0';
        vulkan_device d;
        d.name      = head.device_name;
        d.vendor_id = head.vendor_id;
        d.device_id = head.device_id;
        d.software  = head.device_type == 4;
        d.type      = device_type_name(head.device_type);
        devices->push_back(d);
    }
    destroy(instance, nullptr);
    return true;
}
