"""vaccine stock (#20): stores, lots, shipments, the append-only stock ledger, balances, open
vials, cold-chain equipment and excursions; the store manager role

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 23:30:00

Expand only: new tables, and staff_user's role check allowing 'store_manager'. On PostgreSQL,
triggers refuse UPDATE, DELETE and TRUNCATE on stock_ledger for every role (as audit_log's in
0003): a stock movement is evidence; a mistake is corrected by a new entry. (SQLite rebuilds
staff_user to change the check; PostgreSQL swaps the constraint in place.)
"""
from alembic import op
import sqlalchemy as sa
import cowin_kit.core.db


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

FUNCTION = "stock_ledger_append_only"
TRIGGERS = {
    "stock_ledger_no_update_delete": "BEFORE UPDATE OR DELETE",
    "stock_ledger_no_truncate": "BEFORE TRUNCATE",
}
ROLES_BEFORE = ('national_admin', 'area_admin', 'facility_manager', 'vaccinator', 'auditor')
ROLES_AFTER = ROLES_BEFORE + ('store_manager',)
STOCK_TABLES = ('stock_exposed_lot', 'stock_ledger', 'stock_excursion', 'stock_shipment',
                'stock_open_vial', 'stock_equipment', 'stock_balance', 'stock_store', 'stock_lot')


def _roles(roles) -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_staff_user_role'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_staff_user_role'), f"role IN ({', '.join(repr(r) for r in roles)})")


def upgrade() -> None:
    op.create_table('stock_lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vaccine', sa.String(length=32), nullable=False),
    sa.Column('lot_number', sa.String(length=20), nullable=False),
    sa.Column('manufacturer', sa.String(length=200), nullable=False),
    sa.Column('gtin', sa.String(length=14), nullable=True),
    sa.Column('expiry', sa.Date(), nullable=False),
    sa.Column('doses_per_vial', sa.Integer(), nullable=False),
    sa.Column('recalled_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recall_reason', sa.String(length=500), nullable=False),
    sa.Column('created_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('doses_per_vial >= 1', name=op.f('ck_stock_lot_doses_per_vial')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_lot')),
    sa.UniqueConstraint('vaccine', 'lot_number', name=op.f('uq_stock_lot_vaccine_lot_number'))
    )
    with op.batch_alter_table('stock_lot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_lot_gtin'), ['gtin'], unique=False)

    op.create_table('stock_store',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('facility_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('national', 'area', 'facility')", name=op.f('ck_stock_store_kind')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_stock_store_area_id_area')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_stock_store_facility_id_facility')),
    sa.ForeignKeyConstraint(['parent_id'], ['stock_store.id'], name=op.f('fk_stock_store_parent_id_stock_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_store')),
    sa.UniqueConstraint('code', name=op.f('uq_stock_store_code')),
    sa.UniqueConstraint('facility_id', name=op.f('uq_stock_store_facility_id'))
    )
    with op.batch_alter_table('stock_store', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_store_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_store_parent_id'), ['parent_id'], unique=False)

    op.create_table('stock_balance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('doses', sa.Integer(), nullable=False),
    sa.Column('updated_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('doses >= 0', name=op.f('ck_stock_balance_not_negative')),
    sa.ForeignKeyConstraint(['lot_id'], ['stock_lot.id'], name=op.f('fk_stock_balance_lot_id_stock_lot')),
    sa.ForeignKeyConstraint(['store_id'], ['stock_store.id'], name=op.f('fk_stock_balance_store_id_stock_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_balance')),
    sa.UniqueConstraint('store_id', 'lot_id', name=op.f('uq_stock_balance_store_id_lot_id'))
    )
    with op.batch_alter_table('stock_balance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_balance_lot_id'), ['lot_id'], unique=False)

    op.create_table('stock_equipment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('min_celsius', sa.Double(), nullable=False),
    sa.Column('max_celsius', sa.Double(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('ilr', 'deep_freezer', 'refrigerator', 'walk_in_cooler', 'cold_box', 'vaccine_carrier')", name=op.f('ck_stock_equipment_kind')),
    sa.CheckConstraint('min_celsius < max_celsius', name=op.f('ck_stock_equipment_range')),
    sa.ForeignKeyConstraint(['store_id'], ['stock_store.id'], name=op.f('fk_stock_equipment_store_id_stock_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_equipment')),
    sa.UniqueConstraint('code', name=op.f('uq_stock_equipment_code'))
    )
    with op.batch_alter_table('stock_equipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_equipment_store_id'), ['store_id'], unique=False)

    op.create_table('stock_open_vial',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('facility_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('doses', sa.Integer(), nullable=False),
    sa.Column('opened_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('opened_by', sa.Integer(), nullable=True),
    sa.Column('discard_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=16), nullable=True),
    sa.CheckConstraint("close_reason IN ('policy', 'day_end', 'empty', 'breakage', 'cold_chain')", name=op.f('ck_stock_open_vial_close_reason')),
    sa.ForeignKeyConstraint(['facility_id'], ['facility.id'], name=op.f('fk_stock_open_vial_facility_id_facility')),
    sa.ForeignKeyConstraint(['lot_id'], ['stock_lot.id'], name=op.f('fk_stock_open_vial_lot_id_stock_lot')),
    sa.ForeignKeyConstraint(['opened_by'], ['staff_user.id'], name=op.f('fk_stock_open_vial_opened_by_staff_user')),
    sa.ForeignKeyConstraint(['store_id'], ['stock_store.id'], name=op.f('fk_stock_open_vial_store_id_stock_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_open_vial'))
    )
    with op.batch_alter_table('stock_open_vial', schema=None) as batch_op:
        batch_op.create_index('ix_stock_open_vial_facility_open', ['facility_id', 'closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_open_vial_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index('ix_stock_open_vial_opened_on_facility', ['opened_on', 'facility_id'], unique=False, postgresql_include=['doses'])

    op.create_table('stock_shipment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('from_store_id', sa.Integer(), nullable=False),
    sa.Column('to_store_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('doses', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sent_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_by', sa.Integer(), nullable=True),
    sa.Column('received_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('received_by', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.CheckConstraint("kind IN ('issue', 'transfer')", name=op.f('ck_stock_shipment_kind')),
    sa.CheckConstraint("status IN ('in_transit', 'received', 'rejected')", name=op.f('ck_stock_shipment_status')),
    sa.CheckConstraint('doses > 0', name=op.f('ck_stock_shipment_doses')),
    sa.CheckConstraint('from_store_id <> to_store_id', name=op.f('ck_stock_shipment_two_stores')),
    sa.ForeignKeyConstraint(['from_store_id'], ['stock_store.id'], name=op.f('fk_stock_shipment_from_store_id_stock_store')),
    sa.ForeignKeyConstraint(['lot_id'], ['stock_lot.id'], name=op.f('fk_stock_shipment_lot_id_stock_lot')),
    sa.ForeignKeyConstraint(['received_by'], ['staff_user.id'], name=op.f('fk_stock_shipment_received_by_staff_user')),
    sa.ForeignKeyConstraint(['sent_by'], ['staff_user.id'], name=op.f('fk_stock_shipment_sent_by_staff_user')),
    sa.ForeignKeyConstraint(['to_store_id'], ['stock_store.id'], name=op.f('fk_stock_shipment_to_store_id_stock_store')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_shipment'))
    )
    with op.batch_alter_table('stock_shipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_shipment_from_store_id'), ['from_store_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_shipment_to_store_id'), ['to_store_id'], unique=False)

    op.create_table('stock_excursion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('equipment_id', sa.Integer(), nullable=False),
    sa.Column('started_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lowest_celsius', sa.Double(), nullable=False),
    sa.Column('highest_celsius', sa.Double(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('manual', 'upload', 'api')", name=op.f('ck_stock_excursion_source')),
    sa.ForeignKeyConstraint(['equipment_id'], ['stock_equipment.id'], name=op.f('fk_stock_excursion_equipment_id_stock_equipment')),
    sa.ForeignKeyConstraint(['recorded_by'], ['staff_user.id'], name=op.f('fk_stock_excursion_recorded_by_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_excursion')),
    sa.UniqueConstraint('equipment_id', 'started_at', name=op.f('uq_stock_excursion_equipment_id_started_at'))
    )
    op.create_table('stock_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('doses', sa.Integer(), nullable=False),
    sa.Column('balance_after', sa.Integer(), nullable=False),
    sa.Column('shipment_id', sa.Integer(), nullable=True),
    sa.Column('vial_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=24), nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('at', cowin_kit.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('receipt', 'shipment_out', 'shipment_in', 'shipment_returned', 'vial_opened', 'wastage', 'count_adjustment')", name=op.f('ck_stock_ledger_kind')),
    sa.CheckConstraint('doses <> 0', name=op.f('ck_stock_ledger_doses')),
    sa.ForeignKeyConstraint(['lot_id'], ['stock_lot.id'], name=op.f('fk_stock_ledger_lot_id_stock_lot')),
    sa.ForeignKeyConstraint(['shipment_id'], ['stock_shipment.id'], name=op.f('fk_stock_ledger_shipment_id_stock_shipment')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name=op.f('fk_stock_ledger_staff_id_staff_user')),
    sa.ForeignKeyConstraint(['store_id'], ['stock_store.id'], name=op.f('fk_stock_ledger_store_id_stock_store')),
    sa.ForeignKeyConstraint(['vial_id'], ['stock_open_vial.id'], name=op.f('fk_stock_ledger_vial_id_stock_open_vial')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_ledger'))
    )
    with op.batch_alter_table('stock_ledger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_ledger_lot_id'), ['lot_id'], unique=False)
        batch_op.create_index('ix_stock_ledger_store_at', ['store_id', 'at'], unique=False)

    op.create_table('stock_exposed_lot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('excursion_id', sa.Integer(), nullable=False),
    sa.Column('lot_id', sa.Integer(), nullable=False),
    sa.Column('doses', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['excursion_id'], ['stock_excursion.id'], name=op.f('fk_stock_exposed_lot_excursion_id_stock_excursion')),
    sa.ForeignKeyConstraint(['lot_id'], ['stock_lot.id'], name=op.f('fk_stock_exposed_lot_lot_id_stock_lot')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_exposed_lot')),
    sa.UniqueConstraint('excursion_id', 'lot_id', name=op.f('uq_stock_exposed_lot_excursion_id_lot_id'))
    )
    with op.batch_alter_table('stock_exposed_lot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_exposed_lot_lot_id'), ['lot_id'], unique=False)

    _roles(ROLES_AFTER)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'stock_ledger is append-only: % is refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege',
                          HINT = 'Stock movements are evidence: add a correcting entry instead.';
            END
            $$
        """)
        for name, when in TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} ON stock_ledger "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON stock_ledger")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    for table in STOCK_TABLES:
        op.drop_table(table)
    # Store managers lose their sign-in (their history stays): kept as inactive auditors.
    op.execute("UPDATE staff_user SET role = 'auditor', active = false "
               "WHERE role = 'store_manager'")
    _roles(ROLES_BEFORE)
