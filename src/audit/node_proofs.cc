#include "audit/node_proofs.h"

#include <string>

namespace cityid::audit {

Result<Hash> NodeTree::Node(int level, uint64_t index) const {
  ++reads_;
  CITYID_ASSIGN_OR_RETURN(auto stored, source_.Stored(level, index));
  if (stored) return *stored;
  if (level == 0) {
    return Error(ErrorId::kStoreCorrupt, "leaf hash " + std::to_string(index) + " is missing");
  }
  CITYID_ASSIGN_OR_RETURN(Hash left, Node(level - 1, 2 * index));
  CITYID_ASSIGN_OR_RETURN(Hash right, Node(level - 1, 2 * index + 1));
  return HashChildren(left, right);
}

Result<Hash> NodeTree::SubtreeHash(uint64_t begin, uint64_t end) const {
  const uint64_t n = end - begin;
  if (n == 0) return EmptyRoot();
  // The complete subtrees of the range, one per set bit of n, largest first, folded from the
  // right (the same decomposition as MerkleTree::SubtreeHash).
  Hash nodes[64];
  int count = 0;
  uint64_t pos = begin;
  for (int k = 63; k >= 0; --k) {
    const uint64_t width = uint64_t{1} << k;
    if ((n & width) == 0) continue;
    CITYID_ASSIGN_OR_RETURN(nodes[count], Node(k, pos >> k));
    ++count;
    pos += width;
  }
  Hash acc = nodes[count - 1];
  for (int i = count - 2; i >= 0; --i) acc = HashChildren(nodes[i], acc);
  return acc;
}

Result<Hash> NodeTree::Leaf(uint64_t index) const {
  if (index >= source_.Size()) {
    return Error(ErrorId::kInvalidArgument, "no leaf " + std::to_string(index) + " (log has " +
                                                std::to_string(source_.Size()) + ")");
  }
  return Node(0, index);
}

Result<Hash> NodeTree::RootAt(uint64_t tree_size) const {
  if (tree_size > source_.Size()) {
    return Error(ErrorId::kInvalidArgument, "tree size " + std::to_string(tree_size) +
                                                " exceeds the log (" +
                                                std::to_string(source_.Size()) + " entries)");
  }
  return SubtreeHash(0, tree_size);
}

Status NodeTree::InclusionPath(uint64_t index, uint64_t begin, uint64_t end,
                               std::vector<Hash>& out) const {
  const uint64_t n = end - begin;
  if (n <= 1) return Status::Ok();
  const uint64_t k = SplitPoint(n);
  if (index < begin + k) {
    CITYID_RETURN_IF_ERROR(InclusionPath(index, begin, begin + k, out));
    CITYID_ASSIGN_OR_RETURN(Hash h, SubtreeHash(begin + k, end));
    out.push_back(h);
  } else {
    CITYID_RETURN_IF_ERROR(InclusionPath(index, begin + k, end, out));
    CITYID_ASSIGN_OR_RETURN(Hash h, SubtreeHash(begin, begin + k));
    out.push_back(h);
  }
  return Status::Ok();
}

Result<std::vector<Hash>> NodeTree::InclusionProof(uint64_t index, uint64_t tree_size) const {
  if (tree_size > source_.Size() || index >= tree_size) {
    return Error(ErrorId::kInvalidArgument, "no leaf " + std::to_string(index) + " in a tree of " +
                                                std::to_string(tree_size) + " (log has " +
                                                std::to_string(source_.Size()) + ")");
  }
  std::vector<Hash> out;
  CITYID_RETURN_IF_ERROR(InclusionPath(index, 0, tree_size, out));
  return out;
}

Status NodeTree::SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole,
                          std::vector<Hash>& out) const {
  const uint64_t n = end - begin;
  if (m == n) {
    if (!whole) {
      CITYID_ASSIGN_OR_RETURN(Hash h, SubtreeHash(begin, end));
      out.push_back(h);
    }
    return Status::Ok();
  }
  const uint64_t k = SplitPoint(n);
  if (m <= k) {
    CITYID_RETURN_IF_ERROR(SubProof(m, begin, begin + k, whole, out));
    CITYID_ASSIGN_OR_RETURN(Hash h, SubtreeHash(begin + k, end));
    out.push_back(h);
  } else {
    CITYID_RETURN_IF_ERROR(SubProof(m - k, begin + k, end, false, out));
    CITYID_ASSIGN_OR_RETURN(Hash h, SubtreeHash(begin, begin + k));
    out.push_back(h);
  }
  return Status::Ok();
}

Result<std::vector<Hash>> NodeTree::ConsistencyProof(uint64_t old_size, uint64_t new_size) const {
  if (new_size > source_.Size() || old_size > new_size) {
    return Error(ErrorId::kInvalidArgument,
                 "no consistency proof from " + std::to_string(old_size) + " to " +
                     std::to_string(new_size) + " (log has " + std::to_string(source_.Size()) +
                     ")");
  }
  std::vector<Hash> out;
  if (old_size == 0 || old_size == new_size) return out;
  CITYID_RETURN_IF_ERROR(SubProof(old_size, 0, new_size, true, out));
  return out;
}

}  // namespace cityid::audit
