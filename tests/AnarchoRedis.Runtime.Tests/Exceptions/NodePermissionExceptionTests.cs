using System;
using StackExchange.Redis;
using Xunit;

namespace AnarchoRedis.Runtime.Tests.Exceptions;

/// <summary>How a node's ACL refusal (Redis 7's wording) becomes a <see cref="NodePermissionException"/>.</summary>
public sealed class NodePermissionExceptionTests
{
    private static RedisServerException Server(string message) => new(RedisErrorKind.UnknownError, CommandFlags.None, message);

    [Theory]
    [InlineData("NOPERM this user has no permissions to run the 'evalsha' command", "evalsha")]
    [InlineData("NOPERM this user has no permissions to run the 'script|load' command", "script|load")]
    [InlineData("NOPERM User anarcho has no permissions to run the 'hset' command", "hset")]
    public void A_refused_command_is_named(string message, string command)
    {
        var error = Assert.IsType<NodePermissionException>(NodePermissionException.Classify(Server(message), "node-a:6380", "evalsha", "value_write"));

        Assert.Equal(command, error.Command);
        Assert.Equal("node-a:6380", error.Node);
        Assert.Contains($"may not run '{command}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("value_write", error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was run", error.Message, StringComparison.Ordinal);
        Assert.IsType<RedisServerException>(error.InnerException);
    }

    [Fact]
    public void A_refused_key_names_the_command_that_named_it()
    {
        var error = Assert.IsType<NodePermissionException>(NodePermissionException.Classify(
            Server("NOPERM this user has no permissions to access one of the keys used as arguments"), "node-a:6380", "evalsha", "value_write"));

        Assert.Equal("evalsha", error.Command);
        Assert.Contains("one of its keys", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_script_stopped_at_a_refused_command_is_a_permission_error_too()
    {
        var error = Assert.IsType<NodePermissionException>(NodePermissionException.Classify(
            Server("ERR The user executing the script can't run this command or subcommand script: 6cc7, on @user_script:1."), "node-a:6380", "evalsha", "value_write"));

        Assert.Equal("evalsha", error.Command);
        Assert.Contains("called a command the Redis user may not run", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_errors_are_left_as_they_are()
    {
        var wrongType = Server("WRONGTYPE Operation against a key holding the wrong kind of value");
        var timeout = new TimeoutException();

        Assert.Same(wrongType, NodePermissionException.Classify(wrongType, "n", "evalsha"));
        Assert.Same(timeout, NodePermissionException.Classify(timeout, "n", "evalsha"));
    }

    [Fact]
    public void The_scripts_commands_are_read_from_the_scripts()
    {
        Assert.Contains("HSET", LuaScript.CalledCommands);
        Assert.Contains("SET", LuaScript.CalledCommands);
        Assert.Contains("LINSERT", LuaScript.CalledCommands);
        Assert.Contains("XDEL", LuaScript.CalledCommands);
        Assert.DoesNotContain("INFO", LuaScript.CalledCommands);
    }
}
