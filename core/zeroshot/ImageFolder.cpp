#include "zeroshot/ImageFolder.h"

#include "common/Error.h"

#include <algorithm>
#include <set>
#include <system_error>

namespace clipwb::zeroshot {
namespace fs = std::filesystem;
namespace {

bool isDirectory(const fs::path& path)
{
    std::error_code error;
    return fs::is_directory(path, error); // follows symbolic links, as os.scandir's is_dir()
}

/// os.walk(top, followlinks=True) as (folder, file names) pairs, sorted as upstream sorts the
/// tuples: by the folder path string. A folder reached twice through links is walked once
/// (os.walk would loop forever).
void walk(const fs::path& folder, std::set<fs::path>& seen,
          std::vector<std::pair<std::string, std::vector<std::string>>>& out)
{
    std::error_code error;
    const fs::path canonical = fs::canonical(folder, error);
    if (error || !seen.insert(canonical).second)
        return;
    std::vector<std::string> files;
    std::vector<fs::path> folders;
    for (fs::directory_iterator it(folder, fs::directory_options::skip_permission_denied, error), end;
         !error && it != end; it.increment(error)) {
        if (isDirectory(it->path()))
            folders.push_back(it->path());
        else
            files.push_back(it->path().filename().string());
    }
    CLIPWB_CHECK(!error, "cannot list ", folder.string(), ": ", error.message());
    std::sort(files.begin(), files.end());
    out.emplace_back(folder.string(), std::move(files));
    for (const fs::path& child : folders)
        walk(child, seen, out);
}

std::string asciiLower(std::string text)
{
    for (char& c : text)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return text;
}

} // namespace

const std::vector<std::string>& ImageFolder::extensions()
{
    static const std::vector<std::string> kExtensions{".jpg", ".jpeg", ".png",  ".ppm", ".bmp",
                                                      ".pgm", ".tif",  ".tiff", ".webp"};
    return kExtensions;
}

bool ImageFolder::hasImageExtension(const std::string& fileName)
{
    const std::string lower = asciiLower(fileName);
    for (const std::string& extension : extensions())
        if (lower.size() >= extension.size() &&
            lower.compare(lower.size() - extension.size(), extension.size(), extension) == 0)
            return true;
    return false;
}

ImageFolder ImageFolder::scan(const fs::path& root)
{
    CLIPWB_CHECK(isDirectory(root), "the dataset folder ", root.string(),
                 " does not exist or is not a folder");
    ImageFolder folder;
    folder.m_root = root;
    std::error_code error;
    for (fs::directory_iterator it(root, error), end; !error && it != end; it.increment(error))
        if (isDirectory(it->path()))
            folder.m_classes.push_back(it->path().filename().string());
    CLIPWB_CHECK(!error, "cannot list ", root.string(), ": ", error.message());
    // std::string compares bytes as unsigned char: UTF-8 byte order is code point order, as Python sorts.
    std::sort(folder.m_classes.begin(), folder.m_classes.end());
    CLIPWB_CHECK(!folder.m_classes.empty(), "no class folder in ", root.string(),
                 " (expected one sub-folder of images per class, e.g. test/000/, test/001/)");

    std::vector<std::string> empty;
    for (std::size_t c = 0; c < folder.m_classes.size(); ++c) {
        std::vector<std::pair<std::string, std::vector<std::string>>> walked;
        std::set<fs::path> seen;
        walk(root / folder.m_classes[c], seen, walked);
        std::sort(walked.begin(), walked.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        const std::size_t before = folder.m_samples.size();
        for (const auto& [dir, files] : walked)
            for (const std::string& name : files)
                if (hasImageExtension(name))
                    folder.m_samples.push_back({fs::path(dir) / name, static_cast<int>(c)});
        if (folder.m_samples.size() == before)
            empty.push_back(folder.m_classes[c]);
    }
    if (!empty.empty()) {
        std::string names;
        for (const std::string& name : empty)
            names += (names.empty() ? "" : ", ") + name;
        throw Error("no image in the class folder(s) " + names + " of " + root.string() +
                    " (file names must end in .jpg, .jpeg, .png, .ppm, .bmp, .pgm, .tif, .tiff or .webp)");
    }
    return folder;
}

std::vector<int> ImageFolder::targets() const
{
    std::vector<int> out;
    out.reserve(m_samples.size());
    for (const ImageFolderSample& sample : m_samples)
        out.push_back(sample.target);
    return out;
}

} // namespace clipwb::zeroshot
