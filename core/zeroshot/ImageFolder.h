#pragma once
// A zero-shot test set as torchvision's ImageFolder reads it (upstream's
// get_zeroshot_dataset): one sub-folder per class, class index = position of the
// folder name in sorted order (not the number in the name), images found
// recursively (symbolic links followed), folders and names sorted by code point,
// only files whose lower-cased name ends in an image extension.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace clipwb::zeroshot {

struct ImageFolderSample {
    std::filesystem::path path;
    int target = 0; ///< index into ImageFolder::classFolders()
};

class ImageFolder {
public:
    /// Scans root; throws clipwb::Error naming it when it has no class folder, or a class
    /// folder has no image (as torchvision does).
    static ImageFolder scan(const std::filesystem::path& root);

    const std::filesystem::path& root() const { return m_root; }
    const std::vector<std::string>& classFolders() const { return m_classes; }
    const std::vector<ImageFolderSample>& samples() const { return m_samples; }
    std::int64_t size() const { return static_cast<std::int64_t>(m_samples.size()); }
    std::vector<int> targets() const;

    /// The extensions ImageFolder accepts (torchvision's IMG_EXTENSIONS).
    static const std::vector<std::string>& extensions();
    static bool hasImageExtension(const std::string& fileName);

private:
    std::filesystem::path m_root;
    std::vector<std::string> m_classes;
    std::vector<ImageFolderSample> m_samples;
};

} // namespace clipwb::zeroshot
