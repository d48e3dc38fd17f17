// Golden files for the wire formats: each tests/golden/*.golden file is a session of requests
// (as the SDKs send them) and the exact responses zonesim must give. Ids, request ids and
// timestamps are deterministic (seeded RNG, fixed epoch), so no placeholders are needed.
// ZONESIM_UPDATE_GOLDEN=1 rewrites the expected responses from what zonesim answers now.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/app_fixture.hpp"

namespace {

namespace fs = std::filesystem;

struct Exchange {
  std::string signing, kind, target, key = "test";
  std::string request_body;
  int status = 0;
  std::string content_type, response_body;
};

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (std::size_t i = 0; i < lines.size(); ++i) s += (i ? "\n" : "") + lines[i];
  return s;
}

std::vector<Exchange> load(const fs::path& p, std::vector<std::string>& header) {
  std::ifstream in(p);
  std::vector<Exchange> out;
  std::vector<std::string>* body = nullptr;
  std::vector<std::vector<std::string>> req_lines, resp_lines;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(">>> ", 0) == 0) {
      auto w = words(line.substr(4));
      Exchange e;
      e.signing = w.at(0);
      e.kind = w.at(1);
      std::size_t next = 2;
      if (e.kind == "json") e.target = w.at(next++);
      if (w.size() > next) e.key = w[next];
      out.push_back(e);
      req_lines.emplace_back();
      resp_lines.emplace_back();
      body = &req_lines.back();
    } else if (line.rfind("<<< ", 0) == 0 && !out.empty()) {
      auto w = words(line.substr(4));
      out.back().status = std::stoi(w.at(0));
      out.back().content_type = w.size() > 1 ? w[1] : "";
      body = &resp_lines.back();
    } else if (body) {
      body->push_back(line);
    } else {
      header.push_back(line);
    }
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].request_body = join(req_lines[i]);
    out[i].response_body = join(resp_lines[i]);
  }
  return out;
}

std::vector<std::string> golden_files() {
  std::vector<std::string> names;
  for (auto& e : fs::directory_iterator(fs::path(ZONESIM_SOURCE_DIR) / "tests" / "golden"))
    if (e.path().extension() == ".golden") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class Golden : public zonesim::testing::AppTest,
               public ::testing::WithParamInterface<std::string> {};

TEST_P(Golden, ResponsesMatch) {
  fs::path path = fs::path(ZONESIM_SOURCE_DIR) / "tests" / "golden" / (GetParam() + ".golden");
  std::vector<std::string> header;
  auto exchanges = load(path, header);
  ASSERT_FALSE(exchanges.empty()) << path;
  bool update = std::getenv("ZONESIM_UPDATE_GOLDEN") != nullptr;
  for (auto& e : exchanges) {
    auto r = e.kind == "json" ? json_call(e.signing, e.target, e.request_body, e.key)
                              : query(e.signing, e.request_body, e.key);
    if (update) {
      e.status = r.status;
      e.content_type = r.content_type;
      e.response_body = r.body;
      continue;
    }
    EXPECT_EQ(r.status, e.status) << e.request_body;
    EXPECT_EQ(r.content_type, e.content_type) << e.request_body;
    EXPECT_EQ(r.body, e.response_body) << e.request_body;
  }
  if (update) {
    std::ofstream out(path);
    for (auto& h : header) out << h << "\n";
    for (auto& e : exchanges) {
      out << ">>> " << e.signing << " " << e.kind;
      if (e.kind == "json") out << " " << e.target;
      if (e.key != "test") out << " " << e.key;
      out << "\n"
          << e.request_body << "\n<<< " << e.status << " " << e.content_type << "\n"
          << e.response_body << "\n";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Files, Golden, ::testing::ValuesIn(golden_files()),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           for (auto& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
