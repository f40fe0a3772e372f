// model_fetch.hpp - fetches the on-device wake-word model from the Hugging Face Hub.
//
// FAKE test fixture for keysift: the token and webhook below are made up.
//
// The hub downloads a pinned revision once, verifies its SHA-256 and keeps it
// in the model cache. Failures are reported to the #edge-alerts channel.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace lumen::edge {

// Private repository; the token only has read access to it.
inline constexpr std::string_view kModelRepo = "lumen-iot/wakeword-tiny";
inline constexpr std::string_view kModelRevision = "89c89acd4f4efd16eb570aef3f781201d941f9a9";
inline constexpr std::string_view kHubToken = "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";
inline constexpr std::string_view kModelFile = "wakeword-tiny-int8.tflite";
inline constexpr std::string_view kModelSha256 =
    "839522768bac1a5fede0ebdb14dcb9ba9d22558a7cf645d4633f910a0b3c5bbe";

inline constexpr std::string_view kAlertWebhook =
    "https://hooks.slack.com/services/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";

struct FetchOptions {
    std::filesystem::path cache_dir = "/data/models";
    // Name of the environment variable that overrides cache_dir on dev boards.
    std::string hf_cache_dir_env = "HF_HOME";
    std::chrono::seconds timeout{30};
    int max_attempts = 3;
};

enum class FetchError : std::uint8_t {
    kNone,
    kNetwork,
    kUnauthorized,
    kChecksumMismatch,
    kNoSpace,
};

class ModelFetcher {
  public:
    explicit ModelFetcher(FetchOptions opts) : opts_(std::move(opts)) {}

    // Returns the path of a verified model file, downloading it if needed.
    std::optional<std::filesystem::path> ensure_model(FetchError *err = nullptr);

    // Posts a short message to kAlertWebhook; never throws.
    void report_failure(FetchError err) noexcept;

  private:
    bool verify(const std::filesystem::path &file) const;

    FetchOptions opts_;
};

} // namespace lumen::edge
