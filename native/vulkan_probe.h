// Lists the Vulkan physical devices, to tell a hardware WebGPU adapter from a software one
// before ONNX Runtime's WebGPU provider (Dawn, on Vulkan under Linux) is asked for one.
//
// libvulkan.so.1 is loaded with dlopen (no Vulkan headers or link dependency). When the system
// has none, Chromium's copy (/usr/lib/chromium/libvulkan.so.1, with its SwiftShader driver) is
// loaded instead, globally, so that Dawn finds the same loader. RADZ_VULKAN_LIB overrides both.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct vulkan_device {
    std::string name;            // e.g. "NVIDIA H100 80GB HBM3", "SwiftShader Device (Subzero)"
    uint32_t    vendor_id = 0;
    uint32_t    device_id = 0;
    bool        software  = false; // VK_PHYSICAL_DEVICE_TYPE_CPU
    const char * type     = "";  // "discrete", "integrated", "virtual", "cpu", "other"
};

// Fills `devices` (possibly empty). False with a reason when no Vulkan loader could be used.
// `loader` receives the path of the loader that was used.
bool vulkan_list_devices(std::vector<vulkan_device> * devices, std::string * loader, std::string * err);
