// STS: who is calling. zonesim maps access keys to principals this way:
// - a 12-digit access key is that account's root credentials: Arn arn:aws:iam::<account>:root,
//   UserId = the account id, as AWS answers for root;
// - any other key (e.g. "test") signs as an IAM user of the default account, named after the key:
//   Arn arn:aws:iam::<account>:user/<key>, UserId = the user's unique id "AIDA...".
#include <algorithm>
#include <cctype>
#include <cstdint>

#include "services/service.hpp"

namespace zonesim {

namespace {

bool is_account_key(const std::string& key) {
  return key.size() == 12 &&
         std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string user_name_for_key(const std::string& key) {
  std::string name;
  for (char c : key) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '_' || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' ||
        c == '-')
      name.push_back(c);
  }
  if (name.size() > 64) name.resize(64);
  return name.empty() ? "zonesim" : name;
}

// A stable IAM user id for the key: the same key is the same user on every call and every run,
// and answering who-am-I must not draw from the simulation's RNG.
std::string user_id_for_key(const std::string& key) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ULL;
  static constexpr char kBase32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string id = "AIDA";
  for (int i = 0; i < 17; ++i) {
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    id.push_back(kBase32[h & 31]);
  }
  return id;
}

json get_caller_identity(Call& c) {
  if (is_account_key(c.access_key) || c.access_key.empty())
    return json{{"Account", c.account},
                {"Arn", "arn:aws:iam::" + c.account + ":root"},
                {"UserId", c.account}};
  return json{{"Account", c.account},
              {"Arn", "arn:aws:iam::" + c.account + ":user/" + user_name_for_key(c.access_key)},
              {"UserId", user_id_for_key(c.access_key)}};
}

}  // namespace

void register_sts(Registry& r) {
  r.add("sts", "GetCallerIdentity", get_caller_identity);
}

}  // namespace zonesim
