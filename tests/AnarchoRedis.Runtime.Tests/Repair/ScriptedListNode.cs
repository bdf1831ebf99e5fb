using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using StackExchange.Redis;
using Xunit;

using static AnarchoRedis.Runtime.Tests.Repair.Resp;

namespace AnarchoRedis.Runtime.Tests.Repair;

/// <summary>
/// A node behind the <see cref="INodeChannel"/> seam that keeps lists of right-pushed elements (MessagePack strings) as the list scripts do
/// (elements in id order, element tombstones, the list's version and highest right id) and answers list_read.lua and
/// list_replace.lua (the union of the merge and what the node holds, minus every tombstone: when the node is as the
/// client saw it, that is the merge) and
/// list_purge.lua (nothing to purge), so that the list repair can be tested without a server.
/// </summary>
internal sealed class ScriptedListNode : INodeChannel
{
    private readonly Dictionary<string, State> _lists = new(StringComparer.Ordinal);

    /// <summary>When set, a push of the text "late" lands on the node just before the next replace of any key.</summary>
    public bool ChangedBeforeReplace { get; set; }

    /// <summary>How many replaces were applied here.</summary>
    public int Replaced { get; private set; }

    public void Hold(string key, ReplicatedVersion version, IEnumerable<(ReplicatedVersion Id, string Text)> elements, IEnumerable<(ReplicatedVersion Id, long At)>? tombstones = null)
    {
        var state = new State { Version = version };
        foreach (var (id, text) in elements)
        {
            state.Elements[id] = MessagePack.MessagePackSerializer.Serialize(text, ValueCodec<string>.DefaultOptions);
            state.MaxRight = id > state.MaxRight ? id : state.MaxRight;
        }

        foreach (var (id, at) in tombstones ?? [])
        {
            state.Tombstones[id] = at;
            state.MaxRight = id > state.MaxRight ? id : state.MaxRight;
        }

        _lists[key] = state;
    }

    public string[] Texts(string key) => _lists[key].Elements.Values.Select(p => MessagePack.MessagePackSerializer.Deserialize<string>(p, ValueCodec<string>.DefaultOptions)).ToArray();

    public ReplicatedVersion[] Tombstones(string key) => [.. _lists[key].Tombstones.Keys.Order()];

    public ReplicatedVersion VersionOf(string key) => _lists[key].Version;

    public Task<RedisResult> EvaluateAsync(LuaScript script, RedisKey[] keys, RedisValue[] values)
    {
        var key = (string)keys[0]!;
        if (!_lists.TryGetValue(key, out var state))
        {
            _lists[key] = state = new State();
        }

        if (ReferenceEquals(script, LuaScript.ListRead))
        {
            return Reply(
                Integer(0),
                Bulk(state.Version.IsZero ? string.Empty : state.Version.ToString()),
                Bulk(state.Elements.Count.ToString(CultureInfo.InvariantCulture)),
                Bulk(ListDigest.Format(ListDigest.Of(state.Elements.Keys))),
                Bulk("0"),
                Bulk("0"),
                RedisResult.Create(state.Elements.Select(e => Bulk(ListEnvelope.Encode(e.Key, ListSide.Right, e.Value))).ToArray(), ResultType.Array),
                RedisResult.Create(state.Tombstones.SelectMany(t => new[] { Bulk(t.Key.ToString()), Integer(t.Value) }).ToArray(), ResultType.Array),
                Bulk("0"),
                Bulk(state.MaxRight.IsZero ? "0" : state.MaxRight.ToString()),
                Bulk("0"),
                Integer(0));
        }

        if (ReferenceEquals(script, LuaScript.ListReplace))
        {
            if (ChangedBeforeReplace)
            {
                ChangedBeforeReplace = false;
                var late = new ReplicatedVersion(ulong.MaxValue >> 8, 1);
                state.Elements[late] = MessagePack.MessagePackSerializer.Serialize("late", ValueCodec<string>.DefaultOptions);
                state.MaxRight = late > state.MaxRight ? late : state.MaxRight;
            }

            var version = ReplicatedVersion.Parse((string)values[3]!);
            state.Version = version > state.Version ? version : state.Version;
            var n = (int)values[13];
            var tombstones = new Dictionary<ReplicatedVersion, long>(state.Tombstones);
            for (var i = 14 + n; i + 1 < values.Length; i += 2)
            {
                var id = ReplicatedVersion.Parse((string)values[i]!);
                tombstones[id] = Math.Max(tombstones.GetValueOrDefault(id), (long)values[i + 1]);
            }

            foreach (var id in state.Elements.Keys.Where(tombstones.ContainsKey).ToArray())
            {
                state.Elements.Remove(id);
            }

            for (var i = 14; i < 14 + n; i++)
            {
                Assert.True(ListEnvelope.TryDecode((byte[])values[i]!, out var element));
                if (!tombstones.ContainsKey(element.Id))
                {
                    state.Elements[element.Id] = element.Payload.ToArray();
                }
            }

            state.Tombstones = tombstones;
            var maxRight = (string?)values[10] is { } mr && mr != "0" ? ReplicatedVersion.Parse(mr) : ReplicatedVersion.Zero;
            state.MaxRight = maxRight > state.MaxRight ? maxRight : state.MaxRight;
            Replaced++;
            return Reply(Integer(0), Integer(state.Elements.Count), Bulk(ListDigest.Format(ListDigest.Of(state.Elements.Keys))), Bulk(state.Version.ToString()));
        }

        if (ReferenceEquals(script, LuaScript.ListPurge))
        {
            return Reply(Integer(0), Integer(0), Integer(0));
        }

        throw new NotSupportedException($"{script.Name} is not scripted here.");
    }

    public Task LoadAsync(LuaScript script) => Task.CompletedTask;

    public Task PingAsync() => Task.CompletedTask;

    private sealed class State
    {
        public ReplicatedVersion Version { get; set; }

        public SortedDictionary<ReplicatedVersion, byte[]> Elements { get; } = [];

        public Dictionary<ReplicatedVersion, long> Tombstones { get; set; } = [];

        public ReplicatedVersion MaxRight { get; set; }
    }
}
