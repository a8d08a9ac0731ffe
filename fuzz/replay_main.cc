// fuzz_replay: every fuzz target over its seeds and its corpus, as a test.
//
//   fuzz_replay SOURCE_DIR [TARGET...]          run (exit 1 when a target has no input)
//   fuzz_replay --write-seeds DIR SOURCE_DIR    the seeds as files, DIR/<target>/seed-N,
//                                               the starting corpus of a fuzzing run
//
// A target that breaks a rule aborts, and the test fails with it.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_target.h"

namespace {

namespace fs = std::filesystem;
using taizhang::fuzz::Target;

std::vector<std::string> CorpusOf(const std::string& source_dir, const std::string& name) {
  std::vector<std::string> out;
  const fs::path dir = fs::path(source_dir) / "fuzz" / "corpus" / name;
  std::error_code error;
  if (!fs::is_directory(dir, error)) return out;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) out.push_back(taizhang::fuzz::ReadSeedFile(f.string()));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Target> targets = taizhang::fuzz::Targets();
  std::sort(targets.begin(), targets.end(),
            [](const Target& a, const Target& b) { return std::string(a.name) < b.name; });
  if (argc == 4 && std::string(argv[1]) == "--write-seeds") {
    for (const Target& t : targets) {
      const fs::path dir = fs::path(argv[2]) / t.name;
      fs::create_directories(dir);
      int n = 0;
      for (const std::string& seed : t.seeds(argv[3])) {
        std::ofstream(dir / ("seed-" + std::to_string(++n)), std::ios::binary) << seed;
      }
    }
    return 0;
  }
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: fuzz_replay SOURCE_DIR [TARGET...] | --write-seeds DIR SOURCE_DIR\n");
    return 2;
  }
  const std::string source_dir = argv[1];
  const std::vector<std::string> only(argv + 2, argv + argc);
  int missing = 0;
  for (const Target& t : targets) {
    if (!only.empty() && std::find(only.begin(), only.end(), t.name) == only.end()) continue;
    std::vector<std::string> inputs = t.seeds(source_dir);
    const size_t seeds = inputs.size();
    for (std::string& c : CorpusOf(source_dir, t.name)) inputs.push_back(std::move(c));
    for (const std::string& input : inputs) {
      t.body(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    }
    std::printf("%-10s %zu seeds, %zu from fuzz/corpus/%s: all held\n", t.name, seeds,
                inputs.size() - seeds, t.name);
    std::fflush(stdout);
    if (inputs.empty()) ++missing;
  }
  return missing == 0 ? 0 : 1;
}
