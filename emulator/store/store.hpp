#pragma once
// The one owner of state. Resources are JSON documents keyed by (scope, kind, id), held in memory
// and written through to SQLite (WAL) when a transaction commits. A transaction that fails is
// rolled back from its journal, so a rejected request leaves no trace.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "emulator/core/json.hpp"
#include "emulator/core/string_hash.hpp"

struct sqlite3;

namespace zonesim::store {

class Store {
 public:
  // path empty or ":memory:" = in-memory database.
  explicit Store(const std::string& path = "");
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const json* get(std::string_view scope, std::string_view kind, std::string_view id) const;
  // Mutable access; journals the document's previous value.
  json* get_mut(std::string_view scope, std::string_view kind, std::string_view id);
  // Who reads back what a change writes: anyone, or only the code that wrote it (bookkeeping such
  // as a health check's next time and counters or a database's write counters, on which no
  // decision made elsewhere depends). Both advance generation(); only changes for all readers
  // advance shared_generation().
  enum class Readers { all, writer };
  // Mutable access to one part of a document (a JSON pointer to a value that exists), journaling
  // the part's previous value only: a small update of a large document (one target of a group of
  // hundreds, every health check) copies the part, not the document. nullptr when the document or
  // the part does not exist.
  json* get_mut_part(std::string_view scope, std::string_view kind, std::string_view id,
                     const json::json_pointer& part, Readers readers = Readers::all);
  // Insert or replace.
  json& put(std::string_view scope, std::string_view kind, std::string_view id, json doc);
  bool erase(std::string_view scope, std::string_view kind, std::string_view id);
  // Documents of a kind in creation order.
  std::vector<std::pair<std::string, const json*>> list(std::string_view scope,
                                                        std::string_view kind) const;
  // Every scope that holds documents of this kind (for simulation passes across accounts).
  std::vector<std::string> scopes(std::string_view kind) const;
  std::size_t count(std::string_view scope, std::string_view kind) const;

  void set_meta(const std::string& key, std::string value);
  std::optional<std::string> meta(const std::string& key) const;

  // The timeline: append-only state-change events, committed with the transaction.
  void append_timeline(std::int64_t t_ms, const json& event);
  // Committed events with t_ms >= since_ms and sequence > after_seq, oldest first (at most
  // `limit`); each carries its "seq".
  std::vector<json> timeline(std::int64_t since_ms, std::int64_t after_seq,
                             std::size_t limit) const;
  void clear_timeline();
  // The sequence number of the newest committed event (0 when the timeline is empty).
  std::int64_t last_timeline_seq() const;

  // The call log: every successful mutating API call (service, operation, input, output), in
  // order, committed with its transaction. A state snapshot is this log (see
  // emulator/app/state.cpp).
  void append_call(std::string call_json);  // one call as JSON text
  std::vector<json> calls() const;
  void clear_calls();

  // Transactions: begin() ... commit() or rollback(). Nested begin() is an error.
  void begin();
  void commit();  // throws std::runtime_error if SQLite cannot write (state rolled back)
  void rollback();
  bool in_transaction() const { return in_tx_; }
  bool dirty() const { return !journal_.empty(); }
  // Advances with every committed transaction that touched a document: equal generations mean
  // no document changed in between.
  std::uint64_t generation() const { return generation_; }
  // Advances with every committed transaction that made a change for all readers: equal shared
  // generations mean that only bookkeeping changed in between (Readers::writer), so what is
  // derived from the documents' other members still holds (elbv2::RouteCache keys on it).
  std::uint64_t shared_generation() const { return shared_generation_; }

  // Removes every document (control API reset); inside a transaction.
  void clear();
  std::size_t document_count() const;

 private:
  struct Doc {
    std::uint64_t seq;
    json value;
  };
  // Ids are ARNs that share long prefixes, so a hash beats an ordered map's comparisons; order
  // comes from `seq` (list()).
  using Table = std::unordered_map<std::string, Doc, StringHash, std::equal_to<>>;
  struct Touched {
    std::string table_key, id;
    std::optional<Doc> before;               // the whole document (none: it did not exist) ...
    std::optional<json::json_pointer> part;  // ... or this part of it only
    json part_before;
  };
  struct Statements;  // prepared once: preparing is most of a small transaction's cost
  static std::string table_key(std::string_view scope, std::string_view kind);
  // The table of (scope, kind), looked up without building its key on the heap.
  const Table* find_table(std::string_view scope, std::string_view kind) const;
  void touch(const std::string& tk, std::string_view id);
  void exec(const char* sql) const;
  void open_db() const;  // see the constructor
  void load();
  void finish_commit();
  void flush_deferred() const;  // stores without a state file: see commit()
  static constexpr std::size_t kMaxDeferred = 8192;

  mutable sqlite3* db_ = nullptr;
  bool durable_;  // a state file: documents and meta are written through at commit
  std::string path_;
  mutable std::unique_ptr<Statements> stmts_;
  std::unordered_map<std::string, Table, StringHash, std::equal_to<>> tables_;
  std::map<std::string, std::string> meta_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t generation_ = 0;
  std::uint64_t shared_generation_ = 0;
  bool in_tx_ = false;
  bool shared_change_ = false;  // the transaction changed something for all readers
  std::vector<Touched> journal_;
  std::set<std::pair<std::string, std::string>> touched_;  // journaled whole
  std::map<std::string, std::optional<std::string>> meta_before_;
  std::vector<std::pair<std::int64_t, std::string>> pending_timeline_;
  std::vector<std::string> pending_calls_;
  mutable std::vector<std::pair<std::int64_t, std::string>> deferred_timeline_;
  mutable std::vector<std::string> deferred_calls_;
};

}  // namespace zonesim::store
