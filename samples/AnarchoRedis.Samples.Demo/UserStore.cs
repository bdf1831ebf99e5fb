using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using AnarchoRedis.Samples.Models;

namespace AnarchoRedis.Samples.Demo;

/// <summary>
/// What the demo needs from a user repository. Stand-in for the generated <c>IUserRepository</c>: once the source
/// generator runs on AnarchoRedis.Samples.Models, register the generated repository instead of
/// <see cref="UserStore"/> (Program.ConfigureServices) and delete this file.
/// </summary>
internal interface IUserStore
{
    ValueTask<WriteResult> SetAsync(User user, WriteOptions? options = null, CancellationToken cancellationToken = default);

    ValueTask<User?> GetAsync(int id, ReadOptions? options = null, CancellationToken cancellationToken = default);

    ValueTask<Versioned<User>?> GetVersionedAsync(int id, ReadOptions? options = null, CancellationToken cancellationToken = default);

    ValueTask<WriteResult> DeleteAsync(int id, WriteOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>The hand-written equivalent of the generated repository: a descriptor and the key template applied by hand.</summary>
internal sealed class UserStore : IUserStore
{
    /// <summary>Same registry name and key template as the <see cref="ReplicatedKeyAttribute"/> on <see cref="User"/>.</summary>
    public static readonly ReplicatedValueDescriptor<User> Descriptor = new("samples.user", "user:{Id}");

    private readonly ReplicatedValueStore<User> _store;

    public UserStore(AnarchoRedisClient client) => _store = client.GetValueStore(Descriptor);

    public static string Key(int id) => string.Create(CultureInfo.InvariantCulture, $"user:{id}");

    public ValueTask<WriteResult> SetAsync(User user, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        _store.SetAsync(Key(user.Id), user, options, cancellationToken);

    public ValueTask<User?> GetAsync(int id, ReadOptions? options = null, CancellationToken cancellationToken = default) =>
        _store.GetAsync(Key(id), options, cancellationToken);

    public ValueTask<Versioned<User>?> GetVersionedAsync(int id, ReadOptions? options = null, CancellationToken cancellationToken = default) =>
        _store.GetVersionedAsync(Key(id), options, cancellationToken);

    public ValueTask<WriteResult> DeleteAsync(int id, WriteOptions? options = null, CancellationToken cancellationToken = default) =>
        _store.DeleteAsync(Key(id), options, cancellationToken);
}
