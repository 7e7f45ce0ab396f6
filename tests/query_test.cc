#include "http/query.h"

#include <gtest/gtest.h>

namespace ru {
namespace {

TEST(QueryTest, KeepsOrderAndRepeats) {
  QueryParams params = ParseQuery("b=2&a=1&b=3");
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>("b", "2")));
  EXPECT_EQ(params[1], (std::pair<std::string, std::string>("a", "1")));
  EXPECT_EQ(params[2], (std::pair<std::string, std::string>("b", "3")));
}

TEST(QueryTest, DecodesPercentAndPlus) {
  QueryParams params = ParseQuery("na%6De=x%20y+z&%C3%A9=%2B");
  ASSERT_EQ(params.size(), 2u);
  EXPECT_EQ(params[0].first, "name");
  EXPECT_EQ(params[0].second, "x y z");
  EXPECT_EQ(params[1].first, "\xc3\xa9");
  EXPECT_EQ(params[1].second, "+");
}

TEST(QueryTest, MalformedEscapesStayLiteral) {
  QueryParams params = ParseQuery("a=%zz&b=%4&c=100%");
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0].second, "%zz");
  EXPECT_EQ(params[1].second, "%4");
  EXPECT_EQ(params[2].second, "100%");
}

TEST(QueryTest, EmptyPartsAndBareNames) {
  QueryParams params = ParseQuery("&&flag&x=&=v");
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>("flag", "")));
  EXPECT_EQ(params[1], (std::pair<std::string, std::string>("x", "")));
  EXPECT_EQ(params[2], (std::pair<std::string, std::string>("", "v")));
  EXPECT_TRUE(ParseQuery("").empty());
}

TEST(QueryTest, QueryValueReturnsFirstOrFallback) {
  QueryParams params = ParseQuery("function=a&function=b");
  EXPECT_EQ(QueryValue(params, "function"), "a");
  EXPECT_EQ(QueryValue(params, "missing", "foobar"), "foobar");
}

}  // namespace
}  // namespace ru
