using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis.Samples.Demo;

/// <summary>
/// Probes, one feature at a time, every Redis/Lua feature the library's scripts (value_write.lua, value_read.lua)
/// rely on, so that a server that rejects one is reported by name rather than as a failed write.
/// </summary>
internal static class LuaCompatibility
{
    private const string Key = "anrcho_demo_probe:{p}";
    private const string Hash = "anrcho_demo_probe:{p}:h";

    /// <param name="Feature">What was probed.</param>
    /// <param name="Ok">Whether the server behaves as the scripts expect.</param>
    /// <param name="Detail">"ok", or what went wrong.</param>
    /// <param name="OnlyForTimeToLive">Whether the scripts use the feature only for values written with a time to live (the demo writes none).</param>
    public sealed record Probe(string Feature, bool Ok, string Detail, bool OnlyForTimeToLive);

    public static async Task<IReadOnlyList<Probe>> RunAsync(IDatabase db)
    {
        var results = new List<Probe>();
        var future = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        async Task Check(string feature, string script, RedisKey[] keys, RedisValue[] args, string expected, bool onlyForTtl = false)
        {
            try
            {
                var result = await db.ScriptEvaluateAsync(script, keys, args).ConfigureAwait(false);
                var text = Describe(result);
                results.Add(new Probe(feature, text == expected, text == expected ? "ok" : $"expected {expected}, got {text}", onlyForTtl));
            }
            catch (RedisException ex)
            {
                results.Add(new Probe(feature, false, ex.Message, onlyForTtl));
            }
        }

        await db.KeyDeleteAsync([Key, Hash]).ConfigureAwait(false);
        await Check("SET + TYPE (status reply as {ok=...})", "redis.call('SET', KEYS[1], 'x'); return redis.call('TYPE', KEYS[1])['ok'] .. ',' .. redis.call('TYPE', KEYS[2])['ok']", [Key, Hash], [], "string,none");
        await Check("redis.pcall returns an error table (WRONGTYPE) instead of raising", "local r = redis.pcall('HMGET', KEYS[1], 'v'); if type(r) == 'table' and r.err then return 'err' end; return 'noerr'", [Key], [], "err");
        await Check("HMGET of a missing hash gives false items", "local r = redis.call('HMGET', KEYS[1], 'a', 'b'); return tostring(#r) .. ',' .. tostring(r[1])", [Hash], [], "2,false");
        await Check("HSET with several fields", "return redis.call('HSET', KEYS[1], 'v', 'a', 't', '0', 'd', '0')", [Hash], [], "3");
        await Check("PEXPIREAT", "redis.call('PEXPIREAT', KEYS[1], ARGV[1]); local t = redis.call('PTTL', KEYS[1]); return (t > 0 and t <= 600000) and 'ok' or tostring(t)", [Hash], [future], "ok", onlyForTtl: true);
        await Check("PERSIST", "redis.call('PERSIST', KEYS[1]); return redis.call('PTTL', KEYS[1])", [Hash], [], "-1");
        await Check("string.len / string.find with a character class", "local v = ARGV[1]; return tostring(string.len(v)) .. ',' .. tostring(string.find(v, '[^0-9a-f]')) .. ',' .. tostring(string.find('00ff', '[^0-9a-f]'))", [], ["00fx"], "4,4,nil");
        await Check("string.sub + tonumber(x, 16) (32-bit chunks exact)", "return tostring(tonumber(string.sub(ARGV[1], 9, 16), 16) == 4294967295)", [], ["00000000ffffffff"], "true");
        await Check("table reply with nil (false) items", "local m = redis.call('HMGET', KEYS[1], 'v', 'zz'); return {0, m[1], m[2], 'end'}", [Hash], [], "[0,a,(nil),end]");
        await Check("SET, then PEXPIREAT on the string (how value_write.lua sets a time to live)", "redis.call('SET', KEYS[1], 'z'); redis.call('PEXPIREAT', KEYS[1], ARGV[1]); local t = redis.call('PTTL', KEYS[1]); return (t > 0 and t <= 600000) and 'ok' or tostring(t)", [Key], [future], "ok", onlyForTtl: true);
        await Check("DEL", "return redis.call('DEL', KEYS[1], KEYS[2])", [Key, Hash], [], "2");

        await db.KeyDeleteAsync([Key, Hash]).ConfigureAwait(false);
        try
        {
            await db.ExecuteAsync("EVALSHA", "0000000000000000000000000000000000000000", "0").ConfigureAwait(false);
            results.Add(new Probe("EVALSHA of an unknown script answers NOSCRIPT", false, "no error", false));
        }
        catch (RedisServerException ex)
        {
            var ok = ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);
            results.Add(new Probe("EVALSHA of an unknown script answers NOSCRIPT", ok, ok ? "ok" : ex.Message, false));
        }

        return results;
    }

    private static string Describe(RedisResult result)
    {
        if (result.IsNull)
        {
            return "(nil)";
        }

        if (result.Resp2Type == ResultType.Array)
        {
            var items = (RedisResult[])result!;
            return "[" + string.Join(",", Array.ConvertAll(items, Describe)) + "]";
        }

        return result.ToString() ?? "(nil)";
    }
}
