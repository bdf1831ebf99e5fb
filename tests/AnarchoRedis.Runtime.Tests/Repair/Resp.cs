using System.Text;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis.Runtime.Tests.Repair;

/// <summary>Script replies as StackExchange.Redis builds them from RESP2, for the scripted nodes.</summary>
internal static class Resp
{
    public static Task<RedisResult> Reply(params RedisResult[] items) => Task.FromResult(RedisResult.Create(items, ResultType.Array));

    public static RedisResult Integer(long value) => RedisResult.Create(value, ResultType.Integer);

    public static RedisResult Bulk(string text) => Bulk(Encoding.UTF8.GetBytes(text));

    public static RedisResult Bulk(byte[] bytes) => RedisResult.Create(bytes, ResultType.BulkString);

    public static RedisResult Null() => RedisResult.Create(RedisValue.Null, ResultType.BulkString);
}
