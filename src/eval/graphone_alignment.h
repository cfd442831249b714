// Graphones — a few letters paired with a few phones, ("ph", "f"), ("x", "k s"), ("e", nothing) — and
// the EM aligner that cuts each dictionary entry into them, as the many-to-many aligner of Jiampojamarn et
// al. (2007) does for Phonetisaurus: the joint probability p(graphone) is re-estimated from the expected
// counts of every segmentation of every entry (forward-backward over the letter × phone lattice), and each
// entry is then cut along its most probable segmentation. The joint-sequence G2P baseline
// (joint_sequence_g2p.h) trains its n-gram model on these cuts.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace attend::eval {

struct GraphoneOptions {
  int max_letters = 2;         // letters in one graphone, 1..max
  int max_phones = 2;          // phones in one graphone, 0..max (0 only with letter_deletion)
  bool letter_deletion = true; // one letter may stand for no phone (silent "e")
  bool many_to_many = false;   // allow several letters with several phones in one graphone
  int iterations = 10;
  // The final cut scores a graphone by -log p(g) × its longer side, as Phonetisaurus's aligner does by
  // default: without it the joint model prefers fewer, longer pieces ("ma" → m, then "n" → ax n).
  bool penalize_long = true;
};

// A dictionary entry: letters and one pronunciation.
struct LetterPhoneEntry {
  std::vector<std::string> letters;
  std::vector<std::string> phones;
};

struct Graphone {
  std::vector<std::string> letters;
  std::vector<std::string> phones;
};

// Graphone ids, keyed by their letters and phones.
class GraphoneInventory {
 public:
  int32_t add(std::span<const std::string> letters, std::span<const std::string> phones);
  // -1 when unknown.
  int32_t find(std::span<const std::string> letters, std::span<const std::string> phones) const;
  const Graphone& operator[](int32_t id) const { return units_[id]; }
  size_t size() const { return units_.size(); }
  // The letters part of a graphone's key: graphones with the same letters share it.
  static std::string letters_key(std::span<const std::string> letters);

 private:
  static std::string key(std::span<const std::string> letters, std::span<const std::string> phones);
  std::vector<Graphone> units_;
  std::unordered_map<std::string, int32_t> ids_;
};

class GraphoneAligner {
 public:
  // Entries with more letters or phones than this are not aligned (counted unalignable): the lattice of an
  // entry grows with letters × phones.
  static constexpr int kMaxEntryLength = 256;

  // Trains on `entries` right away; entries no segmentation can cover (more phones than max_phones per
  // letter allows, or empty) are counted in unalignable() and left out.
  GraphoneAligner(std::span<const LetterPhoneEntry> entries, const GraphoneOptions& opt);

  // The most probable segmentation of `entry` as graphone ids, in order; empty when none exists (an
  // unalignable entry, or one that needs a graphone training never saw).
  std::vector<int32_t> align(const LetterPhoneEntry& entry) const;

  // The most probable segmentation of each training entry, in the order given (empty for unalignable
  // ones): align() of each, without building their lattices again.
  const std::vector<std::vector<int32_t>>& training_segmentations() const { return training_segmentations_; }

  const GraphoneInventory& inventory() const { return inventory_; }
  double probability(int32_t id) const { return prob_[id]; }
  // The corpus log-likelihood (natural log) under the parameters each E-step used, one per iteration.
  const std::vector<double>& log_likelihood() const { return log_likelihood_; }
  size_t unalignable() const { return unalignable_; }

  struct Edge {  // one graphone of one entry: from lattice point (i, j) to (i + letters, j + phones)
    int16_t i, j;
    int8_t letters, phones;
    int32_t unit;
  };
  // The known graphones that fit `entry` at some lattice point on a way from (0, 0) to the end, in origin
  // order (an edge always advances a letter), for another model to search (empty when none fits).
  std::vector<Edge> edges(const LetterPhoneEntry& entry) const { return lattice(entry, nullptr); }

 private:
  // The graphones of `entry`'s segmentations, in origin order. While the inventory is being built (`grow`
  // given: unseen ones are added) every edge lies on a complete segmentation, and there are none when the
  // entry has none; without `grow` unseen graphones are skipped, which can leave dead ends viterbi() ignores.
  std::vector<Edge> lattice(const LetterPhoneEntry& entry, GraphoneInventory* grow) const;
  bool shape_allowed(int letters, int phones) const;
  // The best path through an entry's lattice (n letters, m phones) under the current probabilities.
  std::vector<int32_t> viterbi(const std::vector<Edge>& edges, int n, int m) const;

  GraphoneOptions opt_;
  GraphoneInventory inventory_;
  std::vector<double> prob_;
  std::vector<double> log_likelihood_;
  std::vector<std::vector<int32_t>> training_segmentations_;
  size_t unalignable_ = 0;
};

}  // namespace attend::eval
