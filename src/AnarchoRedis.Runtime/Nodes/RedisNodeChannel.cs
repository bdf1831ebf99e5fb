using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis;

/// <summary>
/// The production <see cref="INodeChannel"/>: each call is one StackExchange.Redis call on the node's database, except
/// the calls of a script with a batch form (the value write), which a <see cref="ScriptBatcher"/> coalesces under load
/// when <see cref="AnarchoRedisOptions.MaxBatchSize"/> is above 1.
/// </summary>
internal sealed class RedisNodeChannel : INodeChannel
{
    private readonly DirectChannel _direct;
    private readonly ScriptBatcher? _valueWrites;

    public RedisNodeChannel(IDatabase database, int maxBatchSize = 1, int maxInFlight = 1)
    {
        Database = database;
        _direct = new DirectChannel(database);
        _valueWrites = maxBatchSize > 1 ? new ScriptBatcher(_direct, LuaScript.ValueWrite, maxBatchSize, maxInFlight) : null;
    }

    public IDatabase Database { get; }

    /// <summary>The value write coalescer, or null with coalescing off.</summary>
    internal ScriptBatcher? ValueWriteBatcher => _valueWrites;

    public Task<RedisResult> EvaluateAsync(LuaScript script, RedisKey[] keys, RedisValue[] values) =>
        _valueWrites is { } batcher && ReferenceEquals(script, LuaScript.ValueWrite)
            ? batcher.EvaluateAsync(keys, values)
            : Database.ScriptEvaluateAsync(script.Sha1, keys, values);

    public Task LoadAsync(LuaScript script) => _direct.LoadAsync(script);

    public Task PingAsync() => Database.PingAsync();

    /// <summary>One StackExchange.Redis call per call, nothing added.</summary>
    private sealed class DirectChannel(IDatabase database) : INodeChannel
    {
        public Task<RedisResult> EvaluateAsync(LuaScript script, RedisKey[] keys, RedisValue[] values) =>
            database.ScriptEvaluateAsync(script.Sha1, keys, values);

        public Task LoadAsync(LuaScript script) => database.ExecuteAsync("SCRIPT", "LOAD", script.Text);

        public Task PingAsync() => database.PingAsync();
    }
}
