#pragma once
// Thrown by Store::commit when the durable copy cannot be written (disk full, file size limit,
// I/O error). The transaction was rolled back in memory and in SQLite: nothing of it happened.
#include <stdexcept>

namespace zonesim::store {

class StateNotSaved : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace zonesim::store
