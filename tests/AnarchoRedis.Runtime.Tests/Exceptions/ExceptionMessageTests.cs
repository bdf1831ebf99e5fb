using System;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Exceptions;

/// <summary>What a user reads when a node holds something the library cannot use.</summary>
public sealed class ExceptionMessageTests
{
    [Fact]
    public void Node_data_errors_name_the_key_the_node_and_say_nothing_was_overwritten()
    {
        NodeDataException[] errors =
        [
            new CorruptMetadataException("user:1", "a:6379", "bad"),
            new WrongRedisTypeException("user:1", "a:6379", "string", "list"),
            new KeyTypeMismatchException("user:1", "a:6379", "User", "l", "Events"),
        ];

        Assert.All(errors, e =>
        {
            Assert.Equal("user:1", e.Key);
            Assert.Equal("a:6379", e.Node);
            Assert.Contains("'user:1'", e.Message, StringComparison.Ordinal);
            Assert.Contains("a:6379", e.Message, StringComparison.Ordinal);
            Assert.Contains("left as is", e.Message, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Value_decode_error_names_the_model_type_and_keeps_the_cause()
    {
        var cause = new FormatException("truncated");
        var error = new ValueDecodeException("user:1", "a:6379", typeof(Uri), cause);

        Assert.Same(cause, error.InnerException);
        Assert.Equal(typeof(Uri), error.ValueType);
        Assert.Contains("System.Uri", error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_type_mismatch_names_both_types()
    {
        var error = new KeyTypeMismatchException("k", "n", "User", "v", "Order");

        Assert.Contains("'Order'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'User'", error.Message, StringComparison.Ordinal);
    }
}
