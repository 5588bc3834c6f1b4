#include "credential/zlib_codec.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>

#include "base/rng.h"

namespace cityid::credential {
namespace {

// A compressed zlib stream (level 9), as another issuer or an attacker would send.
Bytes CompressBest(const Bytes& data) {
  Bytes z(compressBound(data.size()));
  uLongf z_size = z.size();
  if (compress2(z.data(), &z_size, data.data(), data.size(), Z_BEST_COMPRESSION) != Z_OK) {
    std::abort();
  }
  z.resize(z_size);
  return z;
}

Bytes RandomBytes(size_t n, uint64_t seed) {
  SeededRng rng(seed);
  Bytes b(n);
  if (n > 0) rng.Fill(b);  // SeededRng::Fill on an empty span trips UBSan (base/rng.cc)
  return b;
}

TEST(ZlibCodecTest, RoundTrips) {
  for (size_t n : {0, 1, 100, 5000, 70000}) {
    const Bytes data = RandomBytes(n, n);
    const Bytes z = ZlibCompress(data);
    auto back = ZlibDecompress(z, n);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, data);
  }
}

TEST(ZlibCodecTest, WritesStoredBlocksWithZlibHeader) {
  const Bytes data = RandomBytes(300, 3);
  const Bytes z = ZlibCompress(data);
  ASSERT_EQ(z.size(), data.size() + 11);  // 2 header + 5 stored-block header + 4 Adler-32
  EXPECT_EQ(z[0], 0x78);  // deflate, 32 KiB window
  EXPECT_EQ(z[1], 0x01);  // FLEVEL 0 (fastest), check bits
  EXPECT_EQ(z[2], 0x01);  // BFINAL, BTYPE 00 (stored)
  EXPECT_TRUE(std::equal(data.begin(), data.end(), z.begin() + 7));
}

TEST(ZlibCodecTest, InflatesCompressedStreamsToo) {
  // Other issuers' cards (and older cityid cards) use compressed blocks: the decoder takes any.
  const Bytes data(2000, 'a');
  const Bytes z = CompressBest(data);
  EXPECT_LT(z.size(), 100u);
  auto back = ZlibDecompress(z, 4096);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data);
}

TEST(ZlibCodecTest, IsDeterministic) {
  const Bytes data = RandomBytes(1000, 7);
  EXPECT_EQ(ZlibCompress(data), ZlibCompress(data));
  EXPECT_EQ(GzipCompress(data), GzipCompress(data));
}

TEST(ZlibCodecTest, OutputExactlyAtLimitIsAccepted) {
  const Bytes data(1000, 'a');
  EXPECT_TRUE(ZlibDecompress(ZlibCompress(data), 1000).ok());
  EXPECT_EQ(ZlibDecompress(ZlibCompress(data), 999).status().id(), ErrorId::kPayloadTooLarge);
}

TEST(ZlibCodecTest, ZipBombIsRejectedAtTheCap) {
  const Bytes zeros(64 * 1024 * 1024, 0);  // 64 MiB of zeros compress to ~64 KiB
  const Bytes bomb = CompressBest(zeros);
  ASSERT_LT(bomb.size(), 100 * 1024u);
  // Inflation stops as soon as the output passes the cap: the decoder's buffer never grows
  // beyond max_out + 1 bytes, whatever the stream claims.
  auto r = ZlibDecompress(bomb, 16 * 1024);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().id(), ErrorId::kPayloadTooLarge);
}

TEST(ZlibCodecTest, RejectsTruncatedStream) {
  const Bytes z = ZlibCompress(RandomBytes(500, 3));
  for (size_t cut = 0; cut < z.size(); ++cut) {
    auto r = ZlibDecompress(ByteView(z).first(cut), 10000);
    ASSERT_FALSE(r.ok()) << "prefix " << cut;
    EXPECT_EQ(r.status().id(), ErrorId::kBadCompression) << "prefix " << cut;
  }
}

TEST(ZlibCodecTest, RejectsTrailingGarbage) {
  Bytes z = ZlibCompress(ToBytes("payload"));
  z.push_back(0x00);
  auto r = ZlibDecompress(z, 100);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().id(), ErrorId::kBadCompression);
  EXPECT_NE(r.status().message().find("trailing"), std::string::npos);
}

TEST(ZlibCodecTest, RejectsBadChecksum) {
  Bytes z = ZlibCompress(ToBytes("payload payload"));
  z.back() ^= 0x01;  // last byte of the Adler-32
  EXPECT_EQ(ZlibDecompress(z, 100).status().id(), ErrorId::kBadCompression);
}

TEST(ZlibCodecTest, RejectsGarbageAndEmptyInput) {
  EXPECT_EQ(ZlibDecompress(Bytes{}, 100).status().id(), ErrorId::kBadCompression);
  EXPECT_EQ(ZlibDecompress(ToBytes("not zlib at all"), 100).status().id(),
            ErrorId::kBadCompression);
}

TEST(ZlibCodecTest, ZlibAndGzipAreNotInterchangeable) {
  const Bytes data = ToBytes("status bits");
  EXPECT_FALSE(ZlibDecompress(GzipCompress(data), 100).ok());
  EXPECT_FALSE(GzipDecompress(ZlibCompress(data), 100).ok());
}

TEST(ZlibCodecTest, GzipRoundTripsWithFixedHeader) {
  const Bytes data = RandomBytes(20000, 9);
  const Bytes gz = GzipCompress(data);
  ASSERT_GE(gz.size(), 10u);
  EXPECT_EQ(gz[0], 0x1F);
  EXPECT_EQ(gz[1], 0x8B);
  EXPECT_EQ(gz[2], 0x08);                       // deflate
  EXPECT_EQ(gz[4] | gz[5] | gz[6] | gz[7], 0);  // mtime 0: deterministic
  auto back = GzipDecompress(gz, data.size());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, data);
}

TEST(ZlibCodecTest, GzipRejectsConcatenatedMembers) {
  Bytes gz = GzipCompress(ToBytes("one"));
  const Bytes second = GzipCompress(ToBytes("two"));
  gz.insert(gz.end(), second.begin(), second.end());
  EXPECT_EQ(GzipDecompress(gz, 100).status().id(), ErrorId::kBadCompression);
}

TEST(ZlibCodecTest, GzipBombIsBounded) {
  const Bytes bomb = GzipCompress(Bytes(32 * 1024 * 1024, 0));
  EXPECT_EQ(GzipDecompress(bomb, 1024 * 1024).status().id(), ErrorId::kPayloadTooLarge);
}

}  // namespace
}  // namespace cityid::credential
