using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// The commands the operation path sends to one node: a script by its SHA1, a script load after NOSCRIPT, and PING.
/// <see cref="RedisNodeChannel"/> sends them over StackExchange.Redis; the benchmarks of the per-operation path put an
/// in-memory node behind it that answers with canned replies, so that what the client itself costs can be measured
/// without socket I/O (see <c>docs/benchmarks.md</c>).
/// </summary>
internal interface INodeChannel
{
    /// <summary>EVALSHA of <paramref name="script"/>; fails with a NOSCRIPT <see cref="RedisServerException"/> when the node does not know it.</summary>
    Task<RedisResult> EvaluateAsync(LuaScript script, RedisKey[] keys, RedisValue[] values);

    /// <summary>SCRIPT LOAD of <paramref name="script"/>'s text.</summary>
    Task LoadAsync(LuaScript script);

    /// <summary>PING.</summary>
    Task PingAsync();
}
