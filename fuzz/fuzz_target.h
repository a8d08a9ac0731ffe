// A fuzz target: a function of one input that must not crash, hang, read or
// write out of bounds, or break a rule it checks (FUZZ_CHECK aborts, which
// libFuzzer records as a crash). Each fuzz/<name>_fuzz.cc holds one:
//
//   TAIZHANG_FUZZ_TARGET(calendar, CalendarSeeds) {
//     auto year = engine::ParseCalendarYear("fuzz", std::string(AsText(data, size)));
//     FUZZ_CHECK(year.ok() || !year.status().message().empty());
//   }
//
// Built twice (fuzz/CMakeLists.txt): with TAIZHANG_LIBFUZZER, as the
// LLVMFuzzerTestOneInput of a libFuzzer program of its own (clang, address
// and undefined-behaviour sanitizers); without, registered with the others
// in fuzz_replay, which runs every target over its seeds and its corpus
// (fuzz/corpus/<name>: the inputs that once broke it), a test of the suite.
// The seeds are made by code (`seeds(source_dir)`), so that they stay valid
// as the formats change.
#ifndef TAIZHANG_FUZZ_FUZZ_TARGET_H_
#define TAIZHANG_FUZZ_FUZZ_TARGET_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace taizhang::fuzz {

using Seeds = std::vector<std::string> (*)(const std::string& source_dir);
using Body = void (*)(const uint8_t* data, size_t size);

struct Target {
  const char* name;
  Body body;
  Seeds seeds;
};

// Every target linked into the program (fuzz_replay), in no order.
std::vector<Target>& Targets();

struct Registrar {
  Registrar(const char* name, Body body, Seeds seeds) { Targets().push_back({name, body, seeds}); }
};

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// The file's bytes ("" when it cannot be read): for seeds.
std::string ReadSeedFile(const std::string& path);

[[noreturn]] inline void CheckFailed(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", file, line, what);
  std::abort();
}

}  // namespace taizhang::fuzz

#define FUZZ_CHECK(cond) \
  ((cond) ? (void)0 : ::taizhang::fuzz::CheckFailed(__FILE__, __LINE__, #cond))

#ifdef TAIZHANG_LIBFUZZER
#define TAIZHANG_FUZZ_TARGET(name, seeds)                                                         \
  static void TzFuzz_##name(const uint8_t* data, size_t size);                                    \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {                       \
    TzFuzz_##name(data, size);                                                                    \
    return 0;                                                                                     \
  }                                                                                               \
  static const ::taizhang::fuzz::Registrar tz_fuzz_registrar_##name(#name, TzFuzz_##name, seeds); \
  static void TzFuzz_##name(const uint8_t* data, size_t size)
#else
#define TAIZHANG_FUZZ_TARGET(name, seeds)                                                         \
  static void TzFuzz_##name(const uint8_t* data, size_t size);                                    \
  static const ::taizhang::fuzz::Registrar tz_fuzz_registrar_##name(#name, TzFuzz_##name, seeds); \
  static void TzFuzz_##name(const uint8_t* data, size_t size)
#endif

#endif  // TAIZHANG_FUZZ_FUZZ_TARGET_H_
