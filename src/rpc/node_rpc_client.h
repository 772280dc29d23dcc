// Node RPC client: calls a procedure on many nodes in parallel. Logical units
// use the interface; tests may substitute an in-process fake.
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
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

// One call of a batch (procedures::kHerdBatch).
struct BatchCall {
  Procedure procedure;
  boost::json::array args;
};

// A batch's answer to one of its calls ([success, payload]) as that call's
// result, the payload moved out of `answer`; `whole` is the batch's own
// result (its failure fails every call).
RpcResult BatchAnswerResult(const RpcResult& whole, boost::json::value* answer,
                            std::string_view batch_name);

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
  // `calls` on every node, one request per node: result[i][k] is node i's
  // answer to call k, as CallParallel would give it. The request's timeout
  // is the longest of the calls'.
  std::vector<std::vector<RpcResult>> CallBatchParallel(const std::vector<NodeAddress>& nodes,
                                                        const std::vector<BatchCall>& calls);
};

// Real transport: HTTPS POST /<procedure> with the cluster certificate, body
// the JSON argument list, answer [success, payload] as Ganeti's noded.
std::unique_ptr<NodeRpcClient> MakeHttpsNodeRpcClient(const std::string& cluster_cert_file);

}  // namespace herd::rpc
