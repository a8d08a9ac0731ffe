// Faults of the disk on demand, for tests of the whole server (taizhangd
// --inject-faults FILE): a RocksDB Env whose files fail to write or to sync
// while the control file says so. Its first word, read at every write and
// sync (one small read: meant for tests, not for service):
//   nospace  every write and sync is refused: no space left on the device
//   fsync    every sync fails: an I/O error (the data may or may not be on disk)
// No control file, or any other word: the disk behaves.
#ifndef TAIZHANG_STORE_FAULT_INJECTION_H_
#define TAIZHANG_STORE_FAULT_INJECTION_H_

#include <memory>
#include <string>

namespace rocksdb {
class Env;
}

namespace taizhang::store {

std::unique_ptr<rocksdb::Env> NewFaultInjectionEnv(const std::string& control_file);

}  // namespace taizhang::store

#endif  // TAIZHANG_STORE_FAULT_INJECTION_H_
