// Node RPC client: calls a procedure on many nodes in parallel. Logical units
// use the interface; tests may substitute an in-process fake.
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rpc/procedures.h"

namespace herd::rpc {

struct NodeAddress {
  std::string name;
  std::string address;
  int port = kDefaultNodedPort;
};

struct RpcResult {
  std::string node;
  bool ok = false;             // call reached the node and the node reported success
  boost::json::value payload;  // the procedure's result when ok
  std::string error;           // why not ok, worded for the user
  bool offline = false;        // the node is marked offline and was not contacted
  // Throws OpExecError "<what> on node <node>: <error>" unless ok.
  const boost::json::value& Get(const std::string& what) const;
};

class NodeRpcClient {
 public:
  virtual ~NodeRpcClient() = default;
  // Results in the order of `nodes`.
  virtual std::vector<RpcResult> CallParallel(const std::vector<NodeAddress>& nodes,
                                              const Procedure& procedure,
                                              const boost::json::array& args) = 0;
  // Switches the certificates of later calls: present `cert_file`, accept
  // nodes presenting any of `trusted_files`' (a cluster certificate renewal).
  virtual void ReloadCertificates(const std::string& cert_file,
                                  const std::vector<std::string>& trusted_files) {
    (void)cert_file;
    (void)trusted_files;
  }
  RpcResult Call(const NodeAddress& node, const Procedure& procedure,
                 const boost::json::array& args) {
    return CallParallel({node}, procedure, args).front();
  }
};

// Real transport: HTTPS POST /<procedure> with the cluster certificate, body
// the JSON argument list, answer [success, payload] as Ganeti's noded.
std::unique_ptr<NodeRpcClient> MakeHttpsNodeRpcClient(const std::string& cluster_cert_file);

}  // namespace herd::rpc
