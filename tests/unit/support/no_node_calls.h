// A node RPC client for tests of what must not ask the nodes (static query
// fields, say): any call is a test failure.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rpc/node_rpc_client.h"

namespace herd::testing_support {

class NoNodeCalls : public rpc::NodeRpcClient {
 public:
  std::vector<rpc::RpcResult> CallParallel(const std::vector<rpc::NodeAddress>&,
                                           const rpc::Procedure& procedure,
                                           const boost::json::array&) override {
    ADD_FAILURE() << "unexpected node call " << procedure.name;
    return {};
  }
  void ReloadCertificates(const std::string&, const std::vector<std::string>&) override {}
};

}  // namespace herd::testing_support
