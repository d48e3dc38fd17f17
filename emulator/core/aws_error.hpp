#pragma once
// The one error type for faults a client caused (or that AWS would report). The protocol layer
// serializes it in each protocol's own error shape; handlers only throw it.
#include <stdexcept>
#include <string>

namespace zonesim {

class AwsError : public std::runtime_error {
 public:
  AwsError(std::string code, std::string message, int http_status = 400, bool sender = true)
      : std::runtime_error(message),
        code_(std::move(code)),
        http_status_(http_status),
        sender_(sender) {}

  const std::string& code() const { return code_; }
  int http_status() const { return http_status_; }
  bool sender() const { return sender_; }  // "Sender" (client) or "Receiver" (server) fault
  std::string message() const { return what(); }

 private:
  std::string code_;
  int http_status_;
  bool sender_;
};

}  // namespace zonesim
