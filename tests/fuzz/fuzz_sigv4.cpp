// The SigV4 Authorization header parser: any bytes give a credential or nullopt, and a parsed
// credential is consistent (a non-empty access key and signing name, an account of 12 digits).
#include <cctype>

#include "emulator/protocol/sigv4.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace zonesim;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto cred = protocol::parse_authorization(in);
  if (!cred) return 0;
  if (cred->access_key.empty() || cred->service.empty()) fuzz::die("empty credential part", in);
  for (unsigned char c : cred->region + cred->service)
    if (!std::islower(c) && !std::isdigit(c) && c != '-') fuzz::die("odd region or service", in);
  std::string account = protocol::account_for_key(cred->access_key, "123456789012");
  if (account.size() != 12) fuzz::die("account is not 12 characters", in);
  for (char c : account)
    if (!std::isdigit(static_cast<unsigned char>(c))) fuzz::die("account is not digits", in);
  return 0;
}
