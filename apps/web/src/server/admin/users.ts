// People who sign in to the UI. Admins create them with an initial password and a role, and may
// change roles or remove people, but the fleet never loses its last admin.
import type { Db, Prisma, PrismaClient } from "@headroom/db";
import { AppError } from "@headroom/protocol";
import { hashPassword } from "../auth/password";
import type { TCreateUserInput, TRole, TUserView } from "./admin.types";

const USER_SELECT = { id: true, email: true, name: true, role: true, createdAt: true } as const;

function view(u: { id: string; email: string; name: string; role: TRole; createdAt: Date }): TUserView {
  return { ...u, createdAt: u.createdAt.toISOString() };
}

export async function listUsers(db: Db): Promise<TUserView[]> {
  const rows = await db.user.findMany({ orderBy: [{ role: "asc" }, { email: "asc" }], select: USER_SELECT });
  return rows.map(view);
}

export async function createUser(db: Db, input: TCreateUserInput): Promise<TUserView> {
  const passwordHash = await hashPassword(input.password);
  try {
    return view(await db.user.create({ data: { email: input.email, name: input.name, role: input.role, passwordHash }, select: USER_SELECT }));
  } catch (err) {
    if ((err as { code?: string }).code === "P2002") throw new AppError("CONFLICT", `There is already a user ${input.email}`);
    throw err;
  }
}

/**
 * Locks every admin row, so two admins demoting each other at once cannot both see "there is
 * another admin". Prisma cannot say FOR UPDATE, hence raw SQL.
 */
async function lockedAdminIds(tx: Prisma.TransactionClient): Promise<string[]> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM "User" WHERE role = 'ADMIN' ORDER BY id FOR UPDATE`;
  return rows.map((r) => r.id);
}

async function findUser(db: Db, id: string) {
  const user = await db.user.findUnique({ where: { id }, select: USER_SELECT });
  if (!user) throw new AppError("NOT_FOUND", `No user ${id}`);
  return user;
}

export async function changeUserRole(db: PrismaClient, id: string, role: TRole): Promise<TUserView> {
  return db.$transaction(async (tx) => {
    const admins = await lockedAdminIds(tx);
    const user = await findUser(tx, id);
    if (user.role === role) return view(user);
    if (role !== "ADMIN" && admins.length === 1 && admins[0] === id) {
      throw new AppError("CONFLICT", `${user.email} is the last admin; make someone else an admin first`);
    }
    // Sessions carry no role: the next request reads the new one.
    return view(await tx.user.update({ where: { id }, data: { role }, select: USER_SELECT }));
  });
}

export async function deleteUser(db: PrismaClient, id: string, actorUserId: string | null): Promise<void> {
  if (id === actorUserId) throw new AppError("CONFLICT", "You cannot remove yourself; ask another admin");
  await db.$transaction(async (tx) => {
    const admins = await lockedAdminIds(tx);
    const user = await findUser(tx, id);
    if (user.role === "ADMIN" && admins.length === 1) {
      throw new AppError("CONFLICT", `${user.email} is the last admin and cannot be removed`);
    }
    // Their sessions go with them (cascade); jobs and keys they made stay, unowned.
    await tx.user.delete({ where: { id } });
  });
}
