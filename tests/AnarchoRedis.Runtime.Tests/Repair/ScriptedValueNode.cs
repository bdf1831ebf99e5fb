using System;
using System.Collections.Generic;
using System.Text;
using System.Threading.Tasks;
using StackExchange.Redis;

using static AnarchoRedis.Runtime.Tests.Repair.Resp;

namespace AnarchoRedis.Runtime.Tests.Repair;

/// <summary>
/// A node behind the <see cref="INodeChannel"/> seam that keeps one value per key the way value_write.lua does (a write
/// applies only over an older version, or over the same one with "replace equal") and answers value_read.lua from it,
/// so that the value repair can be tested without a server. It can be told to fail its writes.
/// </summary>
internal sealed class ScriptedValueNode : INodeChannel
{
    private readonly Dictionary<string, (ReplicatedVersion Version, bool Tombstone, byte[] Payload, string TypeName)> _values = new(StringComparer.Ordinal);

    /// <summary>The error every value_write.lua call fails with, or null.</summary>
    public Exception? FailWrites { get; set; }

    /// <summary>The versions written to this node, in order, with whether each was applied.</summary>
    public List<(ReplicatedVersion Version, bool Applied)> Writes { get; } = [];

    public int Reads { get; private set; }

    /// <summary>Holds <paramref name="text"/> (MessagePack, as the client writes it) at a version.</summary>
    public void Hold(string key, ReplicatedVersion version, string text, string typeName, bool tombstone = false) =>
        _values[key] = (version, tombstone, tombstone ? [] : MessagePack.MessagePackSerializer.Serialize(text, ValueCodec<string>.DefaultOptions), typeName);

    public ReplicatedVersion? VersionOf(string key) => _values.TryGetValue(key, out var held) ? held.Version : null;

    public string? TextOf(string key) => _values.TryGetValue(key, out var held) && !held.Tombstone
        ? MessagePack.MessagePackSerializer.Deserialize<string>(held.Payload, ValueCodec<string>.DefaultOptions)
        : null;

    /// <summary>What the node's meta says of a key, as anti-entropy's probe reads it (k, n, v, t, d, x).</summary>
    public RedisValue[] Meta(string key) => _values.TryGetValue(key, out var held)
        ? ["v", held.TypeName, held.Version.ToString(), held.Tombstone ? "1" : "0", "0", "0"]
        : [RedisValue.Null, RedisValue.Null, RedisValue.Null, RedisValue.Null, RedisValue.Null, RedisValue.Null];

    public Task<RedisResult> EvaluateAsync(LuaScript script, RedisKey[] keys, RedisValue[] values)
    {
        var key = (string)keys[0]!;
        if (ReferenceEquals(script, LuaScript.ValueRead))
        {
            Reads++;
            if (!_values.TryGetValue(key, out var held))
            {
                return Reply(Integer(0), Null(), Null(), Null(), Null(), Null(), Null(), Null());
            }

            return Reply(Integer(0), Bulk(held.Version.ToString()), Bulk(held.Tombstone ? "1" : "0"), Bulk("0"), Bulk("0"), Bulk("v"), Bulk(held.TypeName), held.Tombstone ? Null() : Bulk(held.Payload));
        }

        if (ReferenceEquals(script, LuaScript.ValueWrite))
        {
            var version = ReplicatedVersion.Parse((string)values[0]!);
            if (FailWrites is { } error)
            {
                Writes.Add((version, false));
                return Task.FromException<RedisResult>(error);
            }

            var replaceEqual = (string?)values[7] == "1";
            if (_values.TryGetValue(key, out var stored) && (stored.Version > version || (stored.Version == version && !replaceEqual)))
            {
                Writes.Add((version, false));
                return Reply(Integer(1), Bulk(stored.Version.ToString()));
            }

            _values[key] = (version, (string?)values[1] == "t", (byte[])values[2]!, (string)values[6]!);
            Writes.Add((version, true));
            return Reply(Integer(0), Bulk(version.ToString()));
        }

        throw new NotSupportedException($"{script.Name} is not scripted here.");
    }

    public Task LoadAsync(LuaScript script) => Task.CompletedTask;

    public Task PingAsync() => Task.CompletedTask;
}
