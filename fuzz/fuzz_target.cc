#include "fuzz/fuzz_target.h"

#include <fstream>
#include <sstream>

namespace taizhang::fuzz {

std::vector<Target>& Targets() {
  static auto* targets = new std::vector<Target>();
  return *targets;
}

std::string ReadSeedFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace taizhang::fuzz
