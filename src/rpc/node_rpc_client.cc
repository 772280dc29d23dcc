#include "rpc/node_rpc_client.h"

#include <algorithm>

#include "base/errors.h"
#include "base/json.h"
#include "net/https_client.h"

namespace herd::rpc {

const json::value& RpcResult::Get(const std::string& what) const {
  if (!ok) throw OpExecError(what + " on node " + node + " failed: " + error);
  return payload;
}

namespace {

// A node's answer to one call, [success, payload or error], into `out`
// (the payload moved); false if it is not of that form.
bool TakeAnswer(json::value& answer, RpcResult& out) {
  json::array* pair = answer.if_array();
  if (!pair || pair->size() != 2 || !(*pair)[0].is_bool()) return false;
  if ((*pair)[0].get_bool()) {
    out.ok = true;
    out.payload = std::move((*pair)[1]);
  } else {
    const auto* text = (*pair)[1].if_string();
    out.error = text ? std::string(*text) : SerializeJson((*pair)[1]);
  }
  return true;
}

}  // namespace

RpcResult BatchAnswerResult(const RpcResult& whole, json::value* answer,
                            std::string_view batch_name) {
  RpcResult out;
  out.node = whole.node;
  out.offline = whole.offline;
  if (!whole.ok) {
    out.error = whole.error;
    return out;
  }
  if (!answer || !TakeAnswer(*answer, out)) {
    out.error = "malformed answer to " + std::string(batch_name);
  }
  return out;
}

std::vector<std::vector<RpcResult>> NodeRpcClient::CallBatchParallel(
    const std::vector<NodeAddress>& nodes, const std::vector<BatchCall>& calls) {
  Procedure batch = procedures::kHerdBatch;
  batch.timeout_seconds = 0;
  json::array list;
  for (const auto& call : calls) {
    batch.timeout_seconds = std::max(batch.timeout_seconds, call.procedure.timeout_seconds);
    list.push_back(json::array{json::value(call.procedure.name), call.args});
  }
  auto wholes = CallParallel(nodes, batch, json::array{std::move(list)});
  std::vector<std::vector<RpcResult>> results(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    json::array* answers = wholes[i].ok ? wholes[i].payload.if_array() : nullptr;
    for (size_t k = 0; k < calls.size(); ++k) {
      results[i].push_back(BatchAnswerResult(
          wholes[i], answers && k < answers->size() ? &(*answers)[k] : nullptr, batch.name));
    }
  }
  return results;
}

namespace {
class HttpsNodeRpcClient : public NodeRpcClient {
 public:
  // Every node of a large cluster keeps its connection, for as long as a
  // node daemon keeps it (kNodedIdleTimeout): an idle one costs a few KiB,
  // a new one a TLS handshake on both ends (a live query that finds the
  // connections of a thousand nodes closed takes seconds instead of tenths).
  explicit HttpsNodeRpcClient(const std::string& cert)
      : client_(cert, cert, 4096, kNodedIdleTimeout - std::chrono::minutes(5)) {}

  void ReloadCertificates(const std::string& cert_file,
                          const std::vector<std::string>& trusted_files) override {
    client_.Reload(cert_file, trusted_files);
  }

  std::vector<RpcResult> CallParallel(const std::vector<NodeAddress>& nodes,
                                      const Procedure& procedure,
                                      const json::array& args) override {
    std::vector<net::OutgoingRequest> requests;
    auto body = std::make_shared<const std::string>(SerializeJson(args));
    for (const auto& n : nodes) {
      requests.push_back({n.address,
                          static_cast<uint16_t>(n.port),
                          "POST",
                          "/" + std::string(procedure.name),
                          body,
                          {}});
    }
    auto answers =
        client_.RequestParallel(requests, std::chrono::seconds(procedure.timeout_seconds));
    std::vector<RpcResult> results(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
      auto& r = results[i];
      r.node = nodes[i].name;
      const auto& a = answers[i];
      if (!a.transport_ok) {
        r.error = "Error while contacting node daemon at " + nodes[i].address + ":" +
                  std::to_string(nodes[i].port) + ": " + a.error;
        continue;
      }
      if (a.status != 200) {
        r.error = "Node daemon answered HTTP " + std::to_string(a.status) + ": " + a.body;
        continue;
      }
      try {
        json::value v = ParseJson(a.body, "node RPC answer");
        if (!TakeAnswer(v, r)) r.error = "malformed node RPC answer";
      } catch (const GanetiError& e) {
        r.error = e.args().empty() ? e.what() : e.args()[0];
      }
    }
    return results;
  }

 private:
  net::HttpsClient client_;
};
}  // namespace

std::unique_ptr<NodeRpcClient> MakeHttpsNodeRpcClient(const std::string& cluster_cert_file) {
  return std::make_unique<HttpsNodeRpcClient>(cluster_cert_file);
}

}  // namespace herd::rpc
