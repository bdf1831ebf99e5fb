using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// The production <see cref="INodeChannel"/>: each call is one StackExchange.Redis call on the node's database, with
/// nothing added (no state machine, no allocation), so the seam costs one interface dispatch per command.
/// </summary>
internal sealed class RedisNodeChannel(IDatabase database) : INodeChannel
{
    public IDatabase Database { get; } = database;

    public Task<RedisResult> EvaluateAsync(LuaScript script, RedisKey[] keys, RedisValue[] values) =>
        Database.ScriptEvaluateAsync(script.Sha1, keys, values);

    public Task LoadAsync(LuaScript script) => Database.ExecuteAsync("SCRIPT", "LOAD", script.Text);

    public Task PingAsync() => Database.PingAsync();
}
