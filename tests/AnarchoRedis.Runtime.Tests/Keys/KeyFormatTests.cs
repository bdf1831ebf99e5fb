using System;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Keys;

public sealed class KeyFormatTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Part_rejects_null_or_empty_naming_the_part(string? value)
    {
        var error = Assert.Throws<InvalidKeyException>(() => KeyFormat.Part(value, "UserId"));

        Assert.Contains("'UserId'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'UserId'", error.Reason, StringComparison.Ordinal);
        Assert.Equal(value, error.Key);
        Assert.IsAssignableFrom<AnarchoRedisException>(error);
    }

    [Theory]
    [InlineData("42")]
    [InlineData(" ")]
    [InlineData("{x}")]
    public void Part_returns_other_values_unchanged(string value)
    {
        Assert.Same(value, KeyFormat.Part(value, "Id"));
    }
}
