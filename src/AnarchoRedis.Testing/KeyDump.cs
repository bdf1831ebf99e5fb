using System;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using StackExchange.Redis;

namespace AnarchoRedis.Testing;

/// <summary>
/// One key as comparable text, read directly from one node: its Redis type, absolute expiry (PEXPIRETIME) and exact
/// content (hash fields and set members sorted, list items in order, bytes in hex). Two replicas hold the same key
/// exactly when their texts are equal, so tests can compare nodes byte for byte.
/// </summary>
public static class KeyDump
{
    /// <summary>Describes <paramref name="key"/> as held by the node behind <paramref name="database"/>.</summary>
    /// <param name="database">A direct connection to one node (for a <see cref="LocalNode"/>, its <see cref="LocalNode.Db"/>).</param>
    /// <param name="key">The key.</param>
    /// <returns>The text; for an absent key, <c>None exp=-2 </c>.</returns>
    public static async Task<string> DescribeAsync(IDatabase database, RedisKey key)
    {
        ArgumentNullException.ThrowIfNull(database);
        var type = await database.KeyTypeAsync(key).ConfigureAwait(false);
        var expiry = (long)await database.ExecuteAsync("PEXPIRETIME", key).ConfigureAwait(false);
        var text = new StringBuilder().Append(type).Append(" exp=").Append(expiry.ToString(CultureInfo.InvariantCulture)).Append(' ');
        switch (type)
        {
            case RedisType.String:
                text.Append(Convert.ToHexString((byte[])(await database.StringGetAsync(key).ConfigureAwait(false))!));
                break;
            case RedisType.Hash:
                foreach (var entry in (await database.HashGetAllAsync(key).ConfigureAwait(false)).OrderBy(e => (string)e.Name!, StringComparer.Ordinal))
                {
                    text.Append((string)entry.Name!).Append('=').Append(Convert.ToHexString((byte[])entry.Value!)).Append(';');
                }

                break;
            case RedisType.List:
                foreach (var item in await database.ListRangeAsync(key).ConfigureAwait(false))
                {
                    text.Append(Convert.ToHexString((byte[])item!)).Append(';');
                }

                break;
            case RedisType.Set:
                foreach (var item in (await database.SetMembersAsync(key).ConfigureAwait(false)).Select(m => Convert.ToHexString((byte[])m!)).Order(StringComparer.Ordinal))
                {
                    text.Append(item).Append(';');
                }

                break;
            case RedisType.None:
                break;
            default:
                text.Append("(content not compared)");
                break;
        }

        return text.ToString();
    }
}
