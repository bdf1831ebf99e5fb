using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using AnarchoRedis.IntegrationTests.Infrastructure;
using StackExchange.Redis;

namespace AnarchoRedis.IntegrationTests.Lists;

internal static class ListTestHelpers
{
    /// <summary>The raw list on one node, each envelope as a string (byte for byte: envelopes are ASCII + MessagePack).</summary>
    public static async Task<string[]> RawAsync(this RedisCluster cluster, int node, string key) =>
        (await cluster[node].Db.ListRangeAsync(key)).Select(v => Convert.ToHexString((byte[])v!)).ToArray();

    /// <summary>Whether every node holds exactly the same list, with the same (count, digest) meta.</summary>
    public static async Task<bool> ConvergedAsync(this RedisCluster cluster, string key, int expectedCount)
    {
        var first = await cluster.RawAsync(0, key);
        if (first.Length != expectedCount)
        {
            return false;
        }

        var meta0 = await cluster.MetaAsync(0, key);

        // The digest the scripts keep (XOR in Lua, two 32-bit halves) is the one the client computes.
        var ids = (await cluster[0].Db.ListRangeAsync(key)).Select(v => ReplicatedVersion.Parse(((string)v!).AsSpan(1, 32)));
        if (expectedCount > 0 && meta0.GetValueOrDefault("h") != ListDigest.Format(ListDigest.Of(ids)))
        {
            return false;
        }
        for (var i = 1; i < cluster.Nodes.Count; i++)
        {
            var other = await cluster.RawAsync(i, key);
            var meta = await cluster.MetaAsync(i, key);
            if (!first.SequenceEqual(other) || meta.GetValueOrDefault("h") != meta0.GetValueOrDefault("h") || meta.GetValueOrDefault("c") != expectedCount.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The exact text the library runs for a list script (shared prelude included).</summary>
    public static string Script(string name) => name switch
    {
        "list_push" => LuaScript.ListPush.Text,
        "list_read" => LuaScript.ListRead.Text,
        "list_remove" => LuaScript.ListRemove.Text,
        "list_replace" => LuaScript.ListReplace.Text,
        "list_delete" => LuaScript.ListDelete.Text,
        "list_purge" => LuaScript.ListPurge.Text,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a list script"),
    };

    /// <summary>The tombstone key of a list key, named as KeySpace names it (a key with a hash tag keeps it).</summary>
    public static string TombstoneKeyOf(string key)
    {
        var open = key.IndexOf('{', StringComparison.Ordinal);
        var hasTag = open >= 0 && key.IndexOf('}', open + 1) > open + 1;
        return hasTag ? "anrcho_tomb:" + key : "anrcho_tomb:{" + key + "}";
    }

    public static RedisKey[] KeysOf(string key) => [key, RedisCluster.MetaKeyOf(key), TombstoneKeyOf(key)];
}
