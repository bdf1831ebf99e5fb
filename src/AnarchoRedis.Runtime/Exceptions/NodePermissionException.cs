using System;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// A node refused a command because the Redis ACL user the client connects as lacks a permission: the command itself,
/// or one of its keys. The least-privilege rule the library needs is in docs/security.md.
/// </summary>
/// <remarks>
/// Carried in <see cref="NodeOutcome.Error"/> (outcome <see cref="NodeOutcomeKind.Failed"/>) and as the inner exception of
/// the <see cref="QuorumNotReachedException"/> of an operation that too many nodes refused. A node whose user the
/// connect-time check found lacking a command the library sends is sent no script: its part fails with this at once.
/// A refused command or key is refused before the command runs, so it changed nothing on that node.
/// </remarks>
public sealed class NodePermissionException : AnarchoRedisException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="node">The node that refused.</param>
    /// <param name="command">The command refused, lower case as Redis names it (<c>evalsha</c>, <c>script|load</c>, <c>hset</c>).</param>
    /// <param name="message">What happened.</param>
    /// <param name="key">The logical key of the operation, if any.</param>
    /// <param name="innerException">The server's error, if any.</param>
    public NodePermissionException(string node, string command, string message, string? key = null, Exception? innerException = null)
        : base(message, key, innerException)
    {
        Node = node;
        Command = command;
    }

    /// <summary>The node that refused.</summary>
    public string Node { get; }

    /// <summary>
    /// The command refused, lower case as Redis names it: <c>evalsha</c>, <c>script|load</c>, or a command a script calls
    /// (<c>hset</c>). When a key was refused, the command that named it.
    /// </summary>
    public string Command { get; }

    /// <summary>
    /// <paramref name="error"/> as a <see cref="NodePermissionException"/> when it is a node's permission refusal
    /// (<c>NOPERM</c>, or a script calling a command the user may not run), else <paramref name="error"/> itself.
    /// </summary>
    /// <param name="error">The failure of one command to one node.</param>
    /// <param name="node">The node's name.</param>
    /// <param name="sent">What was sent, as Redis names it (<c>evalsha</c>).</param>
    /// <param name="script">The script's name, when a script was run.</param>
    internal static Exception Classify(Exception error, string node, string sent, string? script = null)
    {
        if (error is not RedisServerException server)
        {
            return error;
        }

        var text = server.Message;
        var what = script is null ? sent.ToUpperInvariant() : $"{sent.ToUpperInvariant()} of script {script}";
        if (text.Contains("The user executing the script can't run this command", StringComparison.Ordinal))
        {
            // Redis does not say which command; the connect-time check names it when the user lacked it from the start.
            return new NodePermissionException(
                node,
                sent,
                $"Node {node} refused {what}: the script called a command the Redis user may not run, and stopped there (a command granted at connect was revoked since). Grant every command docs/security.md lists. ({text})",
                innerException: error);
        }

        if (server.Kind != RedisErrorKind.NoPermission && !text.Contains("NOPERM", StringComparison.Ordinal))
        {
            return error;
        }

        const string Run = "no permissions to run the '";
        var at = text.IndexOf(Run, StringComparison.Ordinal);
        if (at >= 0)
        {
            var start = at + Run.Length;
            var end = text.IndexOf('\'', start);
            var command = end > start ? text[start..end] : sent;
            return new NodePermissionException(
                node,
                command,
                $"Node {node} refused {what}: the Redis user may not run '{command}'. Nothing was run. Grant it as docs/security.md shows. ({text})",
                innerException: error);
        }

        var denied = text.Contains("keys", StringComparison.Ordinal) ? "one of its keys" : text.Contains("channels", StringComparison.Ordinal) ? "one of its channels" : "what it names";
        return new NodePermissionException(
            node,
            sent,
            $"Node {node} refused {what}: the Redis user may not access {denied}. Nothing was run. Grant the key patterns docs/security.md lists. ({text})",
            innerException: error);
    }
}
