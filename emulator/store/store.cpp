#include "emulator/store/store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <stdexcept>

#include "emulator/store/state_not_saved.hpp"

namespace zonesim::store {

namespace {
constexpr char kSeparator = '\x1f';

struct Stmt {
  sqlite3_stmt* s = nullptr;
  Stmt(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  void text(int i, std::string_view v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void integer(int i, std::int64_t v) { sqlite3_bind_int64(s, i, v); }
};
}  // namespace

struct Store::Statements {
  explicit Statements(sqlite3* db)
      : begin(db, "BEGIN"),
        commit(db, "COMMIT"),
        upsert_doc(db, "INSERT OR REPLACE INTO docs(scope, kind, id, seq, body) VALUES(?,?,?,?,?)"),
        delete_doc(db, "DELETE FROM docs WHERE scope=? AND kind=? AND id=?"),
        upsert_meta(db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?,?)"),
        insert_timeline(db, "INSERT INTO timeline(t_ms, body) VALUES(?,?)"),
        insert_call(db, "INSERT INTO calls(body) VALUES(?)") {}
  Stmt begin, commit, upsert_doc, delete_doc, upsert_meta, insert_timeline, insert_call;
};

namespace {
// Runs a prepared statement that returns no rows, then clears it for the next use.
void run(sqlite3* db, Stmt& s) {
  int rc = sqlite3_step(s.s);
  sqlite3_reset(s.s);
  sqlite3_clear_bindings(s.s);
  if (rc != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db));
}
}  // namespace

Store::Store(const std::string& path)
    : durable_(!path.empty() && path != ":memory:"), path_(path.empty() ? ":memory:" : path) {
  // A state file is opened and loaded at once. Without one, SQLite (which then holds only the
  // timeline and the call log) is opened when they are first written or read: an idle server
  // never touches it.
  if (durable_) {
    open_db();
    load();
  }
}

void Store::open_db() const {
  if (db_) return;
  if (sqlite3_open(path_.c_str(), &db_) != SQLITE_OK) {
    std::string err = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error("cannot open state " + path_ + ": " + err);
  }
  sqlite3_busy_timeout(db_, 2000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec(
      "CREATE TABLE IF NOT EXISTS docs(scope TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL,"
      " seq INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY(scope, kind, id));"
      "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS timeline(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
      " t_ms INTEGER NOT NULL, body TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS timeline_t ON timeline(t_ms);"
      "CREATE TABLE IF NOT EXISTS calls(seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT "
      "NULL);");
  stmts_ = std::make_unique<Statements>(db_);
}

Store::~Store() {
  stmts_.reset();
  sqlite3_close(db_);
}

void Store::exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    throw std::runtime_error("sqlite: " + msg);
  }
}

void Store::load() {
  Stmt q(db_, "SELECT scope, kind, id, seq, body FROM docs ORDER BY seq");
  while (sqlite3_step(q.s) == SQLITE_ROW) {
    auto col = [&](int i) {
      return std::string(reinterpret_cast<const char*>(sqlite3_column_text(q.s, i)),
                         sqlite3_column_bytes(q.s, i));
    };
    std::uint64_t seq = static_cast<std::uint64_t>(sqlite3_column_int64(q.s, 3));
    tables_[table_key(col(0), col(1))].insert_or_assign(col(2), Doc{seq, json::parse(col(4))});
    if (seq >= next_seq_) next_seq_ = seq + 1;
  }
  Stmt m(db_, "SELECT key, value FROM meta");
  while (sqlite3_step(m.s) == SQLITE_ROW)
    meta_[reinterpret_cast<const char*>(sqlite3_column_text(m.s, 0))] =
        reinterpret_cast<const char*>(sqlite3_column_text(m.s, 1));
}

std::string Store::table_key(std::string_view scope, std::string_view kind) {
  std::string k;
  k.reserve(scope.size() + kind.size() + 1);
  k.append(scope).push_back(kSeparator);
  k.append(kind);
  return k;
}

const Store::Table* Store::find_table(std::string_view scope, std::string_view kind) const {
  // Reads run for every health check and routed request: the key goes on the stack.
  char buf[192];
  std::string heap;
  std::string_view key;
  if (scope.size() + 1 + kind.size() <= sizeof buf) {
    scope.copy(buf, scope.size());
    buf[scope.size()] = kSeparator;
    kind.copy(buf + scope.size() + 1, kind.size());
    key = std::string_view(buf, scope.size() + 1 + kind.size());
  } else {
    heap = table_key(scope, kind);
    key = heap;
  }
  auto t = tables_.find(key);
  return t == tables_.end() ? nullptr : &t->second;
}

const json* Store::get(std::string_view scope, std::string_view kind, std::string_view id) const {
  const Table* t = find_table(scope, kind);
  if (!t) return nullptr;
  auto d = t->find(id);
  return d == t->end() ? nullptr : &d->second.value;
}

void Store::touch(const std::string& tk, std::string_view id) {
  if (!in_tx_) throw std::logic_error("store: mutation outside a transaction");
  shared_change_ = true;
  auto key = std::make_pair(tk, std::string(id));
  if (!touched_.insert(key).second) return;
  Touched t{tk, std::string(id), std::nullopt, std::nullopt, json()};
  auto tab = tables_.find(tk);
  if (tab != tables_.end()) {
    auto d = tab->second.find(id);
    if (d != tab->second.end()) t.before = d->second;
  }
  journal_.push_back(std::move(t));
}

json* Store::get_mut(std::string_view scope, std::string_view kind, std::string_view id) {
  std::string tk = table_key(scope, kind);
  auto t = tables_.find(tk);
  if (t == tables_.end()) return nullptr;
  auto d = t->second.find(id);
  if (d == t->second.end()) return nullptr;
  touch(tk, id);
  return &d->second.value;
}

json* Store::get_mut_part(std::string_view scope, std::string_view kind, std::string_view id,
                          const json::json_pointer& part, Readers readers) {
  std::string tk = table_key(scope, kind);
  auto t = tables_.find(tk);
  if (t == tables_.end()) return nullptr;
  auto d = t->second.find(id);
  if (d == t->second.end() || !d->second.value.contains(part)) return nullptr;
  if (!in_tx_) throw std::logic_error("store: mutation outside a transaction");
  if (readers == Readers::all) shared_change_ = true;
  json& value = d->second.value[part];
  // A document journaled whole needs nothing more; parts are undone in reverse order, so each
  // finds the document as it was when the part was journaled.
  if (!touched_.count(std::make_pair(tk, std::string(id))))
    journal_.push_back(Touched{std::move(tk), std::string(id), std::nullopt, part, value});
  return &value;
}

json& Store::put(std::string_view scope, std::string_view kind, std::string_view id, json doc) {
  std::string tk = table_key(scope, kind);
  touch(tk, id);
  Table& table = tables_[tk];
  auto d = table.find(id);
  if (d != table.end()) {
    d->second.value = std::move(doc);
    return d->second.value;
  }
  return table.emplace(std::string(id), Doc{next_seq_++, std::move(doc)}).first->second.value;
}

bool Store::erase(std::string_view scope, std::string_view kind, std::string_view id) {
  std::string tk = table_key(scope, kind);
  auto t = tables_.find(tk);
  if (t == tables_.end()) return false;
  auto d = t->second.find(id);
  if (d == t->second.end()) return false;
  touch(tk, id);
  t->second.erase(d);
  return true;
}

std::vector<std::pair<std::string, const json*>> Store::list(std::string_view scope,
                                                             std::string_view kind) const {
  std::vector<std::pair<std::string, const json*>> out;
  const Table* t = find_table(scope, kind);
  if (!t) return out;
  std::vector<std::pair<std::uint64_t, std::pair<std::string, const json*>>> tmp;
  tmp.reserve(t->size());
  for (auto& [id, doc] : *t) tmp.push_back({doc.seq, {id, &doc.value}});
  std::sort(tmp.begin(), tmp.end(), [](auto& a, auto& b) { return a.first < b.first; });
  out.reserve(tmp.size());
  for (auto& e : tmp) out.push_back(std::move(e.second));
  return out;
}

std::vector<std::string> Store::scopes(std::string_view kind) const {
  std::vector<std::string> out;
  for (auto& [tk, table] : tables_) {
    auto sep = tk.find(kSeparator);
    if (!table.empty() && std::string_view(tk).substr(sep + 1) == kind)
      out.push_back(tk.substr(0, sep));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t Store::count(std::string_view scope, std::string_view kind) const {
  const Table* t = find_table(scope, kind);
  return t ? t->size() : 0;
}

std::size_t Store::document_count() const {
  std::size_t n = 0;
  for (auto& [k, t] : tables_) n += t.size();
  return n;
}

void Store::set_meta(const std::string& key, std::string value) {
  if (!in_tx_) throw std::logic_error("store: mutation outside a transaction");
  if (!meta_before_.count(key)) {
    auto it = meta_.find(key);
    meta_before_[key] = it == meta_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  meta_[key] = std::move(value);
}

std::optional<std::string> Store::meta(const std::string& key) const {
  auto it = meta_.find(key);
  return it == meta_.end() ? std::nullopt : std::optional<std::string>(it->second);
}

void Store::begin() {
  if (in_tx_) throw std::logic_error("store: nested transaction");
  in_tx_ = true;
}

void Store::commit() {
  if (!in_tx_) throw std::logic_error("store: commit without begin");
  // Without a state file the documents live in memory only; SQLite keeps the timeline and the
  // call log, which are queried (drills commit thousands of times per simulated hour).
  if (!durable_) {
    // No state file: the timeline and the call log are held back and written to SQLite in one
    // transaction when somebody reads them (or once many have gathered), so a request or a drill
    // step pays no SQLite write. Nothing is lost that a crash would not lose anyway.
    for (auto& t : pending_timeline_) deferred_timeline_.push_back(std::move(t));
    for (auto& c : pending_calls_) deferred_calls_.push_back(std::move(c));
    finish_commit();
    if (deferred_timeline_.size() + deferred_calls_.size() >= kMaxDeferred) flush_deferred();
    return;
  }
  bool docs = !journal_.empty() || !meta_before_.empty();
  if (!docs && pending_timeline_.empty() && pending_calls_.empty()) {
    finish_commit();
    return;
  }
  try {
    Statements& st = *stmts_;
    run(db_, st.begin);
    std::set<std::pair<std::string_view, std::string_view>> written;
    for (auto& t : journal_) {
      if (!docs) break;
      if (!written.emplace(t.table_key, t.id).second) continue;  // parts: once per document
      auto sep = t.table_key.find(kSeparator);
      std::string_view scope = std::string_view(t.table_key).substr(0, sep);
      std::string_view kind = std::string_view(t.table_key).substr(sep + 1);
      auto tab = tables_.find(t.table_key);
      const Doc* now = nullptr;
      if (tab != tables_.end()) {
        auto d = tab->second.find(t.id);
        if (d != tab->second.end()) now = &d->second;
      }
      Stmt& s = now ? st.upsert_doc : st.delete_doc;
      s.text(1, scope);
      s.text(2, kind);
      s.text(3, t.id);
      if (now) {
        s.integer(4, static_cast<std::int64_t>(now->seq));
        s.text(5, now->value.dump());
      }
      run(db_, s);
    }
    for (auto& [k, before] : meta_before_) {
      if (!docs) break;
      st.upsert_meta.text(1, k);
      st.upsert_meta.text(2, meta_[k]);
      run(db_, st.upsert_meta);
    }
    for (auto& [t, body] : pending_timeline_) {
      st.insert_timeline.integer(1, t);
      st.insert_timeline.text(2, body);
      run(db_, st.insert_timeline);
    }
    for (auto& body : pending_calls_) {
      st.insert_call.text(1, body);
      run(db_, st.insert_call);
    }
    run(db_, st.commit);
  } catch (const std::exception& e) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    rollback();
    throw StateNotSaved(std::string("state not saved: ") + e.what());
  }
  finish_commit();
}

void Store::finish_commit() {
  if (!journal_.empty()) ++generation_;
  if (!journal_.empty() && shared_change_) ++shared_generation_;
  shared_change_ = false;
  journal_.clear();
  touched_.clear();
  meta_before_.clear();
  pending_timeline_.clear();
  pending_calls_.clear();
  in_tx_ = false;
}

void Store::append_call(std::string call_json) {
  if (!in_tx_) throw std::logic_error("store: mutation outside a transaction");
  pending_calls_.push_back(std::move(call_json));
}

void Store::flush_deferred() const {
  if (deferred_timeline_.empty() && deferred_calls_.empty()) return;
  open_db();
  Statements& st = *stmts_;
  run(db_, st.begin);
  try {
    for (auto& [t, body] : deferred_timeline_) {
      st.insert_timeline.integer(1, t);
      st.insert_timeline.text(2, body);
      run(db_, st.insert_timeline);
    }
    for (auto& body : deferred_calls_) {
      st.insert_call.text(1, body);
      run(db_, st.insert_call);
    }
    run(db_, st.commit);
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  deferred_timeline_.clear();
  deferred_calls_.clear();
}

std::vector<json> Store::calls() const {
  open_db();
  flush_deferred();
  std::vector<json> out;
  Stmt q(db_, "SELECT body FROM calls ORDER BY seq");
  while (sqlite3_step(q.s) == SQLITE_ROW)
    out.push_back(json::parse(reinterpret_cast<const char*>(sqlite3_column_text(q.s, 0))));
  return out;
}

void Store::clear_calls() {
  pending_calls_.clear();
  open_db();
  flush_deferred();  // sequence numbers go on from the same place as without the deferral
  exec("DELETE FROM calls");
}

void Store::append_timeline(std::int64_t t_ms, const json& event) {
  if (!in_tx_) throw std::logic_error("store: mutation outside a transaction");
  pending_timeline_.emplace_back(t_ms, event.dump());
}

std::vector<json> Store::timeline(std::int64_t since_ms, std::int64_t after_seq,
                                  std::size_t limit) const {
  open_db();
  flush_deferred();
  std::vector<json> out;
  Stmt q(db_, "SELECT seq, body FROM timeline WHERE t_ms >= ? AND seq > ? ORDER BY seq LIMIT ?");
  q.integer(1, since_ms);
  q.integer(2, after_seq);
  q.integer(3, static_cast<std::int64_t>(limit));
  while (sqlite3_step(q.s) == SQLITE_ROW) {
    json e = json::parse(reinterpret_cast<const char*>(sqlite3_column_text(q.s, 1)));
    e["seq"] = sqlite3_column_int64(q.s, 0);
    out.push_back(std::move(e));
  }
  return out;
}

std::int64_t Store::last_timeline_seq() const {
  open_db();
  flush_deferred();
  Stmt q(db_, "SELECT COALESCE(MAX(seq), 0) FROM timeline");
  return sqlite3_step(q.s) == SQLITE_ROW ? sqlite3_column_int64(q.s, 0) : 0;
}

void Store::clear_timeline() {
  pending_timeline_.clear();
  open_db();
  flush_deferred();
  exec("DELETE FROM timeline");
}

void Store::rollback() {
  for (auto it = journal_.rbegin(); it != journal_.rend(); ++it) {
    Table& table = tables_[it->table_key];
    if (it->part) {
      auto d = table.find(it->id);
      if (d != table.end()) d->second.value[*it->part] = std::move(it->part_before);
      continue;
    }
    if (it->before)
      table.insert_or_assign(it->id, *it->before);
    else
      table.erase(it->id);
  }
  for (auto& [k, before] : meta_before_) {
    if (before)
      meta_[k] = *before;
    else
      meta_.erase(k);
  }
  journal_.clear();
  touched_.clear();
  meta_before_.clear();
  pending_timeline_.clear();
  pending_calls_.clear();
  in_tx_ = false;
  shared_change_ = false;
}

void Store::clear() {
  for (auto& [tk, table] : tables_)
    for (auto& [id, doc] : table) touch(tk, id);
  for (auto& [tk, table] : tables_) table.clear();
}

}  // namespace zonesim::store
