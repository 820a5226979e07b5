package io.tributary.client.admin;

import com.google.protobuf.ByteString;
import io.tributary.api.ErrorCode;
import io.tributary.api.TributaryException;
import io.tributary.api.acl.AclBinding;
import io.tributary.api.acl.AclBindingFilter;
import io.tributary.api.acl.AclProtos;
import io.tributary.api.security.ScramFormatter;
import io.tributary.api.security.ScramMechanism;
import io.tributary.api.v1.AlterUserScramCredentialsRequest;
import io.tributary.api.v1.CreateAclsRequest;
import io.tributary.api.v1.DeleteAclsRequest;
import io.tributary.api.v1.DeleteAclsResult;
import io.tributary.api.v1.DescribeAclsRequest;
import io.tributary.api.v1.DescribeUserScramCredentialsRequest;
import io.tributary.api.v1.ScramCredentialDeletion;
import io.tributary.api.v1.ScramCredentialUpsertion;
import io.tributary.api.v1.ScramMechanismType;
import io.tributary.api.v1.SecurityGrpc;
import io.tributary.api.v1.UserScramCredentials;
import io.tributary.api.v1.UserScramCredentialsResult;
import io.tributary.client.internal.Errors;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The ACL and SCRAM credential half of {@link TributaryAdmin} ({@code Security} service): ACLs as Kafka's
 * {@code AclBinding} model, credentials salted and hashed here so the password never leaves the process. Any broker
 * answers (ACLs and credentials live in ZooKeeper); per-item outcomes are returned, a failure of the whole call
 * (CLUSTER_AUTHORIZATION_FAILED, SECURITY_DISABLED) is thrown.
 *
 * <p>Thread-safe.
 */
final class SecurityAdmin {
    /** Kafka's admin client salts with this many random bytes. */
    private static final int SALT_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Runs a unary Security call on the first broker that answers, retrying what is worth retrying. */
    interface Caller {
        <T> T call(Function<SecurityGrpc.SecurityBlockingStub, T> rpc);
    }

    private final Caller caller;

    SecurityAdmin(Caller caller) {
        this.caller = caller;
    }

    /** One outcome per binding, in the given order. */
    List<AclCreation> createAcls(Collection<AclBinding> bindings) {
        List<AclBinding> ordered = List.copyOf(bindings);
        CreateAclsRequest.Builder request = CreateAclsRequest.newBuilder();
        ordered.forEach(b -> request.addCreations(AclProtos.toProto(b)));
        List<io.tributary.api.v1.Error> results = caller.call(stub -> stub.createAcls(request.build())).getResultsList();
        List<AclCreation> out = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) {
            AclBinding b = ordered.get(i);
            TributaryException error = i >= results.size()
                    ? new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR, "the broker returned no result for " + b)
                    : Errors.isError(results.get(i)) ? Errors.toException(results.get(i), "create ACL " + b) : null;
            out.add(new AclCreation(b, error));
        }
        return out;
    }

    /** One result per filter, in the given order, each with the bindings it deleted. */
    List<AclDeletion> deleteAcls(Collection<AclBindingFilter> filters) {
        List<AclBindingFilter> ordered = List.copyOf(filters);
        DeleteAclsRequest.Builder request = DeleteAclsRequest.newBuilder();
        ordered.forEach(f -> request.addFilters(AclProtos.toProto(f)));
        List<DeleteAclsResult> results = caller.call(stub -> stub.deleteAcls(request.build())).getResultsList();
        List<AclDeletion> out = new ArrayList<>();
        for (int i = 0; i < ordered.size(); i++) {
            AclBindingFilter f = ordered.get(i);
            if (i >= results.size()) {
                out.add(new AclDeletion(f, List.of(), new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR,
                        "the broker returned no result for a filter")));
                continue;
            }
            DeleteAclsResult r = results.get(i);
            List<AclBinding> deleted = r.getDeletedList().stream().map(AclProtos::fromProto).toList();
            out.add(new AclDeletion(f, deleted, Errors.isError(r.getError()) ? Errors.toException(r.getError(), "delete ACLs") : null));
        }
        return out;
    }

    List<AclBinding> describeAcls(AclBindingFilter filter) {
        DescribeAclsRequest request = DescribeAclsRequest.newBuilder().setFilter(AclProtos.toProto(filter)).build();
        return caller.call(stub -> stub.describeAcls(request)).getAclsList().stream().map(AclProtos::fromProto).toList();
    }

    /** By user, in the broker's order; every user with a credential when {@code users} is empty. */
    Map<String, UserScramCredentialsDescription> describeUserScramCredentials(List<String> users) {
        DescribeUserScramCredentialsRequest request = DescribeUserScramCredentialsRequest.newBuilder().addAllUsers(users).build();
        Map<String, UserScramCredentialsDescription> out = new LinkedHashMap<>();
        for (UserScramCredentials u : caller.call(stub -> stub.describeUserScramCredentials(request)).getResultsList()) {
            List<ScramCredentialInfo> infos = new ArrayList<>();
            u.getCredentialsList().forEach(c -> infos.add(new ScramCredentialInfo(mechanism(c.getMechanism()), c.getIterations())));
            TributaryException error = Errors.isError(u.getError()) ? Errors.toException(u.getError(), "user " + u.getUser()) : null;
            out.put(u.getUser(), new UserScramCredentialsDescription(u.getUser(), infos, error));
        }
        return out;
    }

    /** One outcome per user named, in the broker's order. */
    Map<String, UserOutcome> alterUserScramCredentials(List<UserScramCredentialAlteration> alterations) {
        AlterUserScramCredentialsRequest.Builder request = AlterUserScramCredentialsRequest.newBuilder();
        for (UserScramCredentialAlteration a : alterations) {
            if (a instanceof UserScramCredentialUpsertion u) {
                request.addUpsertions(upsertion(u));
            } else if (a instanceof UserScramCredentialDeletion d) {
                request.addDeletions(ScramCredentialDeletion.newBuilder().setUser(d.user()).setMechanism(toProto(d.mechanism())));
            }
        }
        Map<String, UserOutcome> out = new LinkedHashMap<>();
        for (UserScramCredentialsResult r : caller.call(stub -> stub.alterUserScramCredentials(request.build())).getResultsList()) {
            out.put(r.getUser(), new UserOutcome(r.getUser(),
                    Errors.isError(r.getError()) ? Errors.toException(r.getError(), "alter SCRAM credentials of user " + r.getUser()) : null));
        }
        return out;
    }

    /** A random salt and Hi(password, salt, iterations): what the broker stores keys from, never the password. */
    static ScramCredentialUpsertion upsertion(UserScramCredentialUpsertion u) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        ScramMechanism m = u.info().mechanism();
        byte[] salted = new ScramFormatter(m).saltedPassword(u.password(), salt, u.info().iterations());
        return ScramCredentialUpsertion.newBuilder().setUser(u.user()).setMechanism(toProto(m)).setIterations(u.info().iterations())
                .setSalt(ByteString.copyFrom(salt)).setSaltedPassword(ByteString.copyFrom(salted)).build();
    }

    static ScramMechanismType toProto(ScramMechanism m) {
        return m == ScramMechanism.SCRAM_SHA_256 ? ScramMechanismType.SCRAM_MECHANISM_TYPE_SCRAM_SHA_256
                : ScramMechanismType.SCRAM_MECHANISM_TYPE_SCRAM_SHA_512;
    }

    private static ScramMechanism mechanism(ScramMechanismType t) {
        return switch (t) {
            case SCRAM_MECHANISM_TYPE_SCRAM_SHA_256 -> ScramMechanism.SCRAM_SHA_256;
            case SCRAM_MECHANISM_TYPE_SCRAM_SHA_512 -> ScramMechanism.SCRAM_SHA_512;
            default -> throw new TributaryException(ErrorCode.UNKNOWN_SERVER_ERROR, "the broker described an unknown SCRAM mechanism " + t);
        };
    }
}
